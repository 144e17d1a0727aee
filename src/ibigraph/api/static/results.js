// Two result views YASGUI lacks, drawn with libraries this service serves itself: a SELECT's
// numbers as a bar chart (Chart.js), and a CONSTRUCT or DESCRIBE result as a network
// (Cytoscape.js) whose nodes open their pages. query.js registers them before YASGUI starts.
const NUMBER = /#(integer|decimal|double|float|long|int|short|byte|(non)?(Negative|Positive)Integer|unsigned\w+)$/i;
const NAME = new Set([
  "https://schema.org/name",
  "http://www.w3.org/2000/01/rdf-schema#label",
  "http://www.w3.org/2004/02/skos/core#prefLabel",
]);
const MAX_BARS = 100;
const MAX_EDGES = 600;

function compact(iri, prefixes) {
  for (const [prefix, ns] of Object.entries(prefixes)) {
    if (iri.startsWith(ns) && iri.length > ns.length) return `${prefix}:${iri.slice(ns.length)}`;
  }
  return iri;
}

function note(parent, text) {
  const p = document.createElement("p");
  p.className = "count";
  p.textContent = text;
  parent.appendChild(p);
}

function icon(text) {
  const span = document.createElement("span");
  span.setAttribute("aria-hidden", "true");
  span.textContent = text;
  return span;
}

// A bar per row: the first column whose every value is a number, against the first other column.
function chartPlugin(config) {
  return class Chart {
    label = "Chart";
    priority = 5;

    constructor(yasr) {
      this.yasr = yasr;
    }

    columns() {
      const results = this.yasr.results;
      if (!results || results.getType() === "ttl" || results.getBoolean() !== undefined) return null;
      const rows = results.getBindings();
      const vars = results.getVariables();
      const numeric = vars.find(
        (v) => rows.some((b) => b[v]) && rows.every((b) => !b[v] || NUMBER.test(b[v].datatype || "")),
      );
      const label = vars.find((v) => v !== numeric);
      return numeric && label ? { numeric, label, rows } : null;
    }

    canHandleResults() {
      return window.Chart !== undefined && this.columns() !== null;
    }

    draw() {
      const { numeric, label, rows } = this.columns();
      const shown = rows.filter((b) => b[numeric]).slice(0, MAX_BARS);
      const names = shown.map((b) => (b[label] ? compact(b[label].value, config.prefixes) : "(none)"));
      const figure = document.createElement("figure");
      figure.className = "chart";
      const box = document.createElement("div");
      box.style.height = `${Math.max(160, shown.length * 24 + 60)}px`;
      const canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `Bar chart of ?${numeric} by ?${label}; the table view lists the same rows`);
      box.appendChild(canvas);
      figure.appendChild(box);
      this.yasr.resultsEl.appendChild(figure);
      if (rows.length > shown.length) note(figure, `The first ${shown.length} of ${rows.length} rows.`);
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: names,
          datasets: [{ label: `?${numeric}`, data: shown.map((b) => Number(b[numeric].value)), backgroundColor: "#3f7cbf" }],
        },
        options: { indexAxis: "y", animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
      });
    }

    getIcon() {
      return icon("▮");
    }
  };
}

// Subjects and IRI objects as nodes, named by their schema:name or rdfs:label where the result
// has one; each other triple between two nodes as an edge labelled by its property.
function networkPlugin(config) {
  return class Network {
    label = "Network";
    priority = 4;

    constructor(yasr) {
      this.yasr = yasr;
    }

    canHandleResults() {
      const results = this.yasr.results;
      return window.cytoscape !== undefined && results?.getType() === "ttl" && results.getStatements().length > 0;
    }

    draw() {
      const statements = this.yasr.results.getStatements();
      const names = new Map();
      for (const q of statements) {
        if (NAME.has(q.predicate.value) && q.object.termType === "Literal") names.set(q.subject.value, q.object.value);
      }
      const nodes = new Map();
      const node = (term) => {
        if (!nodes.has(term.value)) {
          const local = term.termType === "NamedNode" && term.value.startsWith(config.base);
          nodes.set(term.value, {
            data: {
              id: term.value,
              label: names.get(term.value) || compact(term.value, config.prefixes),
              href: local ? `/${term.value.slice(config.base.length)}` : "",
            },
          });
        }
        return term.value;
      };
      const edges = [];
      for (const q of statements) {
        if (q.object.termType === "Literal" || edges.length >= MAX_EDGES) continue;
        const label = compact(q.predicate.value, config.prefixes);
        edges.push({ data: { id: `e${edges.length}`, source: node(q.subject), target: node(q.object), label } });
      }
      const box = document.createElement("div");
      box.className = "result-network";
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", `Network of ${nodes.size} nodes and ${edges.length} links; the response view has the triples`);
      this.yasr.resultsEl.appendChild(box);
      if (!edges.length) {
        note(this.yasr.resultsEl, "No triple of this result links two resources: the response view shows its values.");
        return;
      }
      const literals = statements.filter((q) => q.object.termType === "Literal").length;
      note(this.yasr.resultsEl, `${nodes.size} nodes, ${edges.length} links (${literals} values left out); a click on a node of this graph opens its page.`);
      const cy = window.cytoscape({
        container: box,
        elements: [...nodes.values(), ...edges],
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#3f7cbf", "text-wrap": "ellipsis", "text-max-width": 120 } },
          { selector: "edge", style: { label: "data(label)", "font-size": 8, color: "#5b6473", "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1 } },
        ],
      });
      cy.on("tap", "node", (event) => {
        const href = event.target.data("href");
        if (href) window.location.assign(href);
      });
      window.ibigraphResultNetwork = cy; // for the browser tests
    }

    getIcon() {
      return icon("⋈");
    }
  };
}

window.ibigraphResultViews = { chart: chartPlugin, network: networkPlugin };
