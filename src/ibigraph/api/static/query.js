// The query editor: YASGUI over this service's /sparql, with its prefixes declared in the
// starting query and its named queries one click away. Everything it loads comes from this
// service: the lookups YASGUI would make elsewhere (prefix.cc, LOV) are switched off.
const config = JSON.parse(document.getElementById("editor-config").textContent);
const plain = document.getElementById("plain-query");
const place = document.getElementById("yasgui");

if (window.Yasgui && place) {
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  Yasgui.Yasqe.defaults.lineWrapping = true; // no sideways scrolling on a phone
  Yasgui.Yasr.defaults.prefixes = config.prefixes;
  const yasgui = new Yasgui(place, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    persistenceId: "ibigraph-query",
    populateFromUrl: true,
    yasqe: { value: config.query },
  });
  plain.hidden = true;
  // accessibility: YASGUI leaves its endpoint and tab-name fields unlabelled, and puts an
  // "add tab" button inside its tab list (only tabs belong there): examples open in the tab
  for (const input of place.querySelectorAll(".tabsList input, input.autocomplete")) {
    const endpoint = input.classList.contains("autocomplete");
    input.setAttribute("aria-label", endpoint ? "SPARQL endpoint" : "Tab name");
  }
  place.querySelector(".tabsList .addTab")?.parentElement.remove();
  place.querySelector(".CodeMirror textarea")?.setAttribute("aria-label", "SPARQL query");
  place.querySelector(".CodeMirror-scroll")?.setAttribute("tabindex", "0"); // scrolls by keys too
  for (const link of document.querySelectorAll("a[data-example]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      yasgui.getTab().setQuery(config.examples[link.dataset.example].query);
      place.scrollIntoView({ behavior: "smooth" });
    });
  }
  window.ibigraphEditor = yasgui; // for the browser tests
}
