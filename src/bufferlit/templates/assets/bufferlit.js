/* bufferlit: catalogue filters, citation downloads and copy buttons.
 *
 * Enhances server-rendered HTML: without this script every page is complete and readable.
 * Record text only ever reaches the DOM through textContent or Blob contents, never innerHTML.
 * Works with Material's instant navigation: init runs on every document$ emission.
 */
(function () {
  "use strict";

  var FACET_KEYS = ["buffer_type", "stance", "domain", "year", "venue", "code"];
  var NARROW = "(max-width: 76.1875em)";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      area.remove();
    }
    return Promise.resolve();
  }

  function initCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.dataset.blReady) return;
      button.dataset.blReady = "1";
      var label = button.textContent;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        if (!target) return;
        copyText(target.textContent).then(
          function () { button.textContent = "Copied"; },
          function () { button.textContent = "Copy failed: select the text"; }
        );
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  function saveFile(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function Catalogue(page) {
    this.page = page;
    this.papers = JSON.parse(page.querySelector("#bl-catalogue-data").textContent);
    this.form = page.querySelector("[data-bl-filters]");
    this.list = page.querySelector(".bl-papers");
    this.query = page.querySelector("#bl-q");
    this.sort = page.querySelector("#bl-sort");
    this.rows = {};
    var rows = this.rows;
    this.list.querySelectorAll("[data-paper-id]").forEach(function (row) {
      rows[row.getAttribute("data-paper-id")] = row;
    });
    this.papers.forEach(function (paper) {
      paper.haystack = fold(paper.title + " " + paper.authors);
    });
    this.form.querySelectorAll(".bl-facet__value").forEach(function (item, index) {
      item.dataset.order = String(index);
    });
    this.shown = this.papers;
  }

  Catalogue.prototype.state = function () {
    var facets = {};
    FACET_KEYS.forEach(function (key) { facets[key] = new Set(); });
    this.form.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      if (facets[box.name]) facets[box.name].add(box.value);
    });
    var terms = fold(this.query.value).split(/\s+/).filter(Boolean);
    return { facets: facets, terms: terms, q: this.query.value.trim(), sort: this.sort.value };
  };

  /* A paper passes when it has one of the chosen values of every facet (OR within a facet,
     AND across facets) and every query word is in its title or authors. skipKey leaves one
     facet out: a facet value's count is "papers you would get by also ticking this". */
  Catalogue.prototype.matches = function (paper, state, skipKey) {
    for (var i = 0; i < FACET_KEYS.length; i++) {
      var key = FACET_KEYS[i];
      var chosen = state.facets[key];
      if (key === skipKey || chosen.size === 0) continue;
      if (!paper.facets[key].some(function (value) { return chosen.has(value); })) return false;
    }
    return state.terms.every(function (term) { return paper.haystack.indexOf(term) !== -1; });
  };

  Catalogue.prototype.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    this.form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
    });
    this.query.value = params.get("q") || "";
    this.sort.value = params.get("sort") === "title" ? "title" : "year";
  };

  Catalogue.prototype.writeUrl = function (state) {
    var params = new URLSearchParams();
    FACET_KEYS.forEach(function (key) {
      Array.from(state.facets[key]).sort().forEach(function (value) { params.append(key, value); });
    });
    if (state.q) params.set("q", state.q);
    if (state.sort === "title") params.set("sort", "title");
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", url);
    }
  };

  Catalogue.prototype.update = function () {
    var self = this;
    var state = this.state();
    this.shown = this.papers.filter(function (paper) { return self.matches(paper, state, null); });
    var visible = new Set(this.shown.map(function (paper) { return paper.id; }));

    var ordered = this.papers.slice().sort(state.sort === "title" ? byTitle : byYear);
    var fragment = document.createDocumentFragment();
    ordered.forEach(function (paper) {
      var row = self.rows[paper.id];
      if (!row) return;
      row.hidden = !visible.has(paper.id);
      fragment.appendChild(row);
    });
    this.list.appendChild(fragment);

    FACET_KEYS.forEach(function (key) { self.recount(key, state); });

    var count = String(this.shown.length);
    this.page.querySelector("[data-bl-shown]").textContent = count;
    this.page.querySelectorAll("[data-bl-selected]").forEach(function (node) {
      node.textContent = count;
    });
    this.page.querySelector("[data-bl-empty]").hidden = this.shown.length > 0;
    this.writeUrl(state);
  };

  Catalogue.prototype.recount = function (key, state) {
    var self = this;
    var fieldset = this.form.querySelector('[data-facet="' + key + '"]');
    if (!fieldset) return;
    var counts = {};
    this.papers.forEach(function (paper) {
      if (!self.matches(paper, state, key)) return;
      paper.facets[key].forEach(function (value) { counts[value] = (counts[value] || 0) + 1; });
    });
    var items = Array.from(fieldset.querySelectorAll(".bl-facet__value"));
    items.forEach(function (item) {
      var box = item.querySelector("input");
      var count = counts[box.value] || 0;
      item.dataset.count = String(count);
      item.querySelector("[data-bl-count]").textContent = String(count);
      item.classList.toggle("bl-facet__value--empty", count === 0 && !box.checked);
    });
    // Re-sort by count, but never under the user's focus (moving a focused node can drop it).
    if (fieldset.contains(document.activeElement)) return;
    items.sort(function (a, b) {
      return Number(b.dataset.count) - Number(a.dataset.count) ||
        Number(a.dataset.order) - Number(b.dataset.order);
    });
    var list = items.length ? items[0].parentNode : null;
    items.forEach(function (item) { list.appendChild(item); });
  };

  Catalogue.prototype.download = function (format) {
    var key = format === "ris" ? "ris" : "bib";
    var text = this.shown.map(function (paper) { return paper[key]; }).join("\n");
    var type = format === "ris" ? "application/x-research-info-systems" : "application/x-bibtex";
    saveFile("bufferlit-" + this.shown.length + "-papers." + key, type + ";charset=utf-8", text);
  };

  Catalogue.prototype.start = function () {
    var self = this;
    var update = function () { self.update(); };
    this.form.addEventListener("change", update);
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    this.form.addEventListener("reset", function () { window.setTimeout(update, 0); });
    this.query.addEventListener("input", update);
    this.sort.addEventListener("change", update);
    this.page.querySelectorAll("button[data-bl-clear]").forEach(function (button) {
      if (button.type !== "reset") {
        button.addEventListener("click", function () { self.form.reset(); });
      }
    });
    this.page.querySelectorAll("[data-bl-download]").forEach(function (button) {
      button.addEventListener("click", function () {
        self.download(button.getAttribute("data-bl-download"));
      });
    });
    this.page.querySelectorAll("[data-bl-enhanced]").forEach(function (node) {
      node.hidden = false;
    });
    this.readUrl();
    // On a phone the filters start folded so the list is on screen, unless a filter is set.
    var details = this.page.querySelector(".bl-facets__details");
    var narrow = window.matchMedia(NARROW);
    if (details && narrow.matches && !window.location.search) {
      details.open = false;
    }
    // On a wide screen the panel has no summary to click: never leave it folded there.
    narrow.addEventListener("change", function () {
      if (details && !narrow.matches) details.open = true;
    });
    this.update();
  };

  function byYear(a, b) {
    return (b.year - a.year) || byTitle(a, b);
  }

  function byTitle(a, b) {
    return a.title.localeCompare(b.title, undefined, { sensitivity: "base" }) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  function init() {
    initCopyButtons(document);
    // Material's search overlay has role="dialog" but no name (axe: aria-dialog-name).
    var dialog = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    if (dialog) dialog.setAttribute("aria-label", "Search");
    var page = document.querySelector("[data-bl-catalogue]");
    if (page && !page.dataset.blReady) {
      page.dataset.blReady = "1";
      new Catalogue(page).start();
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
