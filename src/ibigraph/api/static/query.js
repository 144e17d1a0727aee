// The query editor: YASGUI over this service's /sparql, with its prefixes declared in the
// starting query and its named queries one click away. Everything it loads comes from this
// service: the lookups YASGUI would make elsewhere (prefix.cc, LOV) are switched off.
const config = JSON.parse(document.getElementById("editor-config").textContent);
const plain = document.getElementById("plain-query");
const place = document.getElementById("yasgui");

if (window.Yasgui && place) {
  // absolute: YASR's error view builds a URL from it, and fails on a relative one
  const endpoint = new URL(config.endpoint, window.location.href).href;
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  // the service's predeclared prefixes count as declared: for the syntax check (no "Prefix
  // 'id' is not defined" mark) and for completing prefixed names; the query's own come first
  const sparql = Yasgui.Yasqe.modes?.sparql11;
  if (sparql) {
    Yasgui.Yasqe.defineMode("sparql11", (options, spec) => {
      const mode = sparql(options, spec);
      return { ...mode, startState: () => ({ ...mode.startState(), prefixes: { ...config.prefixes } }) };
    });
  }
  const declared = Yasgui.Yasqe.prototype.getPrefixesFromQuery;
  Yasgui.Yasqe.prototype.getPrefixesFromQuery = function () {
    return { ...config.prefixes, ...declared.call(this) };
  };
  // classes after `a`, properties in a predicate's place: the ontology's own and the terms it
  // aligns to, from this page (YASGUI would ask LOV), completed as prefixed names
  for (const [name, base, terms] of [
    ["ibigraph-classes", "class", config.classes],
    ["ibigraph-properties", "property", config.properties],
  ]) {
    Yasgui.Yasqe.forkAutocompleter(base, { name, bulk: true, autoShow: true, get: () => terms });
  }
  for (const [name, plugin] of Object.entries(window.ibigraphResultViews || {})) {
    Yasgui.Yasr.registerPlugin(name, plugin(config));
  }
  Yasgui.Yasqe.defaults.lineWrapping = true; // no sideways scrolling on a phone
  Yasgui.Yasr.defaults.prefixes = config.prefixes;
  const yasgui = new Yasgui(place, {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
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
