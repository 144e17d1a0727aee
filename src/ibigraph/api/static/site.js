// Suggestions as you type in the search box of every page. Progressive: without this script
// the box is a plain form that opens /search.
for (const input of document.querySelectorAll("input[data-suggest]")) {
  const list = document.getElementById(input.getAttribute("list"));
  let asked = "";
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const prefix = input.value.trim();
      if (prefix.length < 2 || prefix === asked) return;
      asked = prefix;
      const url = `/api/suggest?limit=8&prefix=${encodeURIComponent(prefix)}`;
      const reply = await fetch(url, { headers: { Accept: "application/json" } });
      if (!reply.ok || input.value.trim() !== prefix) return;
      const { results } = await reply.json();
      list.replaceChildren(
        ...results.map((r) => Object.assign(document.createElement("option"), { value: r.name })),
      );
    }, 120);
  });
}
