"""The SPARQL language, independent of any store: what a request is and may do (`request`:
form, limits, SERVICE refusal), how results are written under caps (`render`), SPARQL Update
applied as a change set (`update`, `changeset`)."""
