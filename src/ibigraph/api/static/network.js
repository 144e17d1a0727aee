// The network view: the links listed on the page, drawn with Cytoscape.js; selecting a node
// opens its page. The table stays for keyboards, screen readers and pages without scripts.
const data = JSON.parse(document.getElementById("network-data").textContent);
const place = document.getElementById("network");
const colours = { project: "#1f5fa8", agency: "#b35900", organization: "#2e7d32" };

if (window.cytoscape && place) {
  place.hidden = false; // drawn only where it can be
  const cy = cytoscape({
    container: place,
    elements: [
      ...data.nodes.map((n) => ({
        data: { id: n.id, label: n.name, href: n.href, kind: n.kind, center: n.id === data.center },
      })),
      ...data.edges.map((e, i) => ({
        data: { id: `e${i}`, source: e.source, target: e.target, label: e.relation },
      })),
    ],
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "font-size": 12,
          color: "#1d2430",
          "background-color": (n) => colours[n.data("kind")] || "#555",
          "text-wrap": "wrap",
          "text-max-width": 110,
        },
      },
      { selector: "node[?center]", style: { width: 44, height: 44, "font-weight": "bold" } },
      {
        selector: "edge",
        style: {
          width: 1.2,
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": "#9aa3b2",
          "target-arrow-color": "#9aa3b2",
        },
      },
    ],
    layout: {
      name: "cose",
      animate: false,
      padding: 20,
      nodeRepulsion: () => 60000,
      idealEdgeLength: () => 120,
    },
  });
  cy.on("tap", "node", (event) => {
    window.location.href = event.target.data("href");
  });
  window.ibigraphNetwork = cy; // for the browser tests
}
