/* bufferlit: catalogue filters, citation downloads and copy buttons.
 *
 * Enhances server-rendered HTML: without this script every page is complete and readable.
 * Record text only ever reaches the DOM through textContent or Blob contents, never innerHTML.
 * Works with Material's instant navigation: init runs on every document$ emission.
 */
(function () {
  "use strict";

  var NARROW = "(max-width: 76.1875em)";
  /* Rows shown at once (then "Show more"): laying out thousands of rows is what made a
     click slow (about 1 s for 6,000 rows), not finding them. */
  var PAGE = 200;

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

  /* The catalogue. The page carries the list (server-rendered rows, in year order) and a
     compact JSON: each facet's values, and per paper its title and the indexes of its values.
     Everything a click needs is precomputed here once; a click loops over plain arrays, touches
     only the rows whose visibility changed and moves rows only when the sort changes. */
  function Catalogue(page) {
    var data = JSON.parse(page.querySelector("#bl-catalogue-data").textContent);
    var self = this;
    this.page = page;
    this.form = page.querySelector("[data-bl-filters]");
    this.list = page.querySelector(".bl-papers");
    this.query = page.querySelector("#bl-q");
    this.sort = page.querySelector("#bl-sort");
    this.shownNode = page.querySelector("[data-bl-shown]");
    this.selectedNodes = Array.from(page.querySelectorAll("[data-bl-selected]"));
    this.emptyNode = page.querySelector("[data-bl-empty]");
    this.rows = Array.from(this.list.children).filter(function (row) {
      return row.hasAttribute("data-paper-id");
    });
    this.ids = this.rows.map(function (row) { return row.getAttribute("data-paper-id"); });
    this.count = this.rows.length;
    this.keys = data.keys;
    this.values = data.values;
    this.titles = data.papers.map(function (paper) { return paper[0]; });
    this.haystacks = this.titles.map(fold);
    this.authors = null;  // fetched on first use of the text filter
    // fv[k][i]: indexes of paper i's values of facet k.
    this.fv = this.keys.map(function (key, k) {
      return data.papers.map(function (paper) { return paper[k + 1]; });
    });
    // Per facet: the checkbox, its list item and its count node, by value index.
    this.facets = this.keys.map(function (key, k) {
      var fieldset = self.form.querySelector('[data-facet="' + key + '"]');
      var byValue = {};
      if (fieldset) {
        fieldset.querySelectorAll(".bl-facet__value").forEach(function (item) {
          byValue[item.querySelector("input").value] = item;
        });
      }
      var items = self.values[k].map(function (value) { return byValue[value] || null; });
      return {
        key: key,
        fieldset: fieldset,
        items: items,
        boxes: items.map(function (item) { return item && item.querySelector("input"); }),
        counts: items.map(function (item) { return item && item.querySelector("[data-bl-count]"); }),
        shown: items.map(function () { return -1; }),
        order: items.map(function (item, v) { return v; })
      };
    });
    this.visible = new Uint8Array(this.count).fill(1);  // matches the filters
    this.displayed = new Uint8Array(this.count).fill(1);  // not hidden (the server shows all)
    this.limit = PAGE;
    this.moreRow = page.querySelector("[data-bl-more-row]");
    this.moreButton = page.querySelector("[data-bl-more]");
    this.order = null;           // row indexes in display order; null = server (year) order
    this.sortShown = "year";
    this.shownCount = this.count;
  }

  Catalogue.prototype.state = function () {
    var chosen = this.facets.map(function (facet) {
      var flags = new Uint8Array(facet.boxes.length);
      var any = false;
      facet.boxes.forEach(function (box, v) {
        if (box && box.checked) { flags[v] = 1; any = true; }
      });
      return any ? flags : null;
    });
    var terms = fold(this.query.value).split(/\s+/).filter(Boolean);
    return { chosen: chosen, terms: terms, q: this.query.value.trim(), sort: this.sort.value };
  };

  Catalogue.prototype.loadAuthors = function () {
    var self = this;
    if (!this.authorsPromise) {
      this.authorsPromise = fetchJson(this.page.getAttribute("data-bl-authors")).then(
        function (byId) {
          self.authors = self.ids.map(function (id, i) {
            return self.haystacks[i] + " " + fold(byId[id] || "");
          });
        },
        function () { self.authorsPromise = null; }
      );
    }
    return this.authorsPromise;
  };

  /* A paper passes when it has one of the chosen values of every facet (OR within a facet,
     AND across facets) and every query word is in its title or authors. A facet value's count
     is "papers you would get by also ticking this": the papers that pass every other facet.
     One pass: a paper failing no facet counts in every facet, failing exactly one facet it
     counts in that one only. */
  Catalogue.prototype.compute = function (state) {
    var n = this.count, keys = this.keys.length, fv = this.fv, chosen = state.chosen;
    var hay = this.authors || this.haystacks, terms = state.terms;
    var visible = new Uint8Array(n);
    var counts = this.facets.map(function (facet) { return new Int32Array(facet.boxes.length); });
    var shown = 0;
    for (var i = 0; i < n; i++) {
      var ok = true;
      for (var t = 0; t < terms.length; t++) {
        if (hay[i].indexOf(terms[t]) === -1) { ok = false; break; }
      }
      if (!ok) continue;
      var failed = -1, fails = 0;
      for (var k = 0; k < keys && fails < 2; k++) {
        var flags = chosen[k];
        if (!flags) continue;
        var mine = fv[k][i], hit = false;
        for (var j = 0; j < mine.length; j++) {
          if (flags[mine[j]]) { hit = true; break; }
        }
        if (!hit) { fails++; failed = k; }
      }
      if (fails === 0) {
        visible[i] = 1;
        shown++;
        for (k = 0; k < keys; k++) {
          var values = fv[k][i], tally = counts[k];
          for (j = 0; j < values.length; j++) tally[values[j]]++;
        }
      } else if (fails === 1) {
        var only = fv[failed][i], one = counts[failed];
        for (j = 0; j < only.length; j++) one[only[j]]++;
      }
    }
    return { visible: visible, counts: counts, shown: shown };
  };

  Catalogue.prototype.update = function () {
    var self = this;
    var state = this.state();
    if (state.terms.length && !this.authors) {
      // Titles answer now; the authors file refines the list when it arrives.
      this.loadAuthors().then(function () { self.update(); });
    }
    var result = this.compute(state);
    this.visible = result.visible;
    this.shownCount = result.shown;
    if (state.sort !== this.sortShown) this.reorder(state.sort);
    this.display();
    this.facets.forEach(function (facet, k) { self.recount(facet, result.counts[k]); });

    var count = String(result.shown);
    if (this.shownNode) this.shownNode.textContent = count;
    this.selectedNodes.forEach(function (node) { node.textContent = count; });
    if (this.emptyNode) this.emptyNode.hidden = result.shown > 0;
    this.writeUrl(state);
  };

  /* Un-hide the first `limit` matching rows in display order, hide the rest; only rows whose
     state changed are touched. */
  Catalogue.prototype.display = function () {
    var rows = this.rows, visible = this.visible, displayed = this.displayed;
    var left = this.limit;
    for (var p = 0; p < this.count; p++) {
      var i = this.order ? this.order[p] : p;
      var on = visible[i] && left > 0 ? 1 : 0;
      if (on) left--;
      if (displayed[i] !== on) {
        displayed[i] = on;
        rows[i].hidden = !on;
      }
    }
    var rest = this.shownCount - Math.min(this.limit, this.shownCount);
    if (this.moreRow) {
      this.moreRow.hidden = rest <= 0;
      this.moreButton.textContent = "Show " + Math.min(rest, PAGE) + " more (" +
        Math.min(this.limit, this.shownCount) + " of " + this.shownCount + " shown)";
    }
  };

  Catalogue.prototype.reorder = function (sort) {
    var self = this;
    if (sort === "title" && !this.titleOrder) {
      var collator = new Intl.Collator(undefined, { sensitivity: "base" });
      this.titleOrder = this.ids.map(function (id, i) { return i; }).sort(function (a, b) {
        return collator.compare(self.titles[a], self.titles[b]) ||
          (self.ids[a] < self.ids[b] ? -1 : self.ids[a] > self.ids[b] ? 1 : 0);
      });
    }
    this.order = sort === "title" ? this.titleOrder : null;
    var fragment = document.createDocumentFragment();
    for (var p = 0; p < this.count; p++) {
      fragment.appendChild(this.rows[this.order ? this.order[p] : p]);
    }
    this.list.insertBefore(fragment, this.list.firstChild);
    this.sortShown = sort;
  };

  Catalogue.prototype.recount = function (facet, counts) {
    for (var v = 0; v < counts.length; v++) {
      var item = facet.items[v];
      if (!item || facet.shown[v] === counts[v]) continue;
      facet.shown[v] = counts[v];
      facet.counts[v].textContent = String(counts[v]);
    }
    for (v = 0; v < counts.length; v++) {
      if (facet.items[v]) {
        facet.items[v].classList.toggle(
          "bl-facet__value--empty", counts[v] === 0 && !facet.boxes[v].checked);
      }
    }
    // Re-sort by count (ties: the original order), but never under the user's focus (moving
    // a focused node can drop it), and only when the order changed.
    if (!facet.fieldset || facet.fieldset.contains(document.activeElement)) return;
    var order = facet.order.slice().sort(function (a, b) {
      return counts[b] - counts[a] || a - b;
    });
    if (order.every(function (value, p) { return value === facet.order[p]; })) return;
    facet.order = order;
    var parent = null;
    order.forEach(function (value) {
      var item = facet.items[value];
      if (!item) return;
      parent = parent || item.parentNode;
      parent.appendChild(item);
    });
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
    this.facets.forEach(function (facet, k) {
      var flags = state.chosen[k];
      if (!flags) return;
      var values = this.values[k].filter(function (value, v) { return flags[v]; });
      values.sort().forEach(function (value) { params.append(facet.key, value); });
    }, this);
    if (state.q) params.set("q", state.q);
    if (state.sort === "title") params.set("sort", "title");
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", url);
    }
  };

  /* The citations are one file fetched on the first download, not part of the page. */
  Catalogue.prototype.download = function (format) {
    var self = this;
    var key = format === "ris" ? 1 : 0;
    var suffix = format === "ris" ? "ris" : "bib";
    var type = format === "ris" ? "application/x-research-info-systems" : "application/x-bibtex";
    var picked = [];
    for (var p = 0; p < this.count; p++) {
      var i = this.order ? this.order[p] : p;
      if (this.visible[i]) picked.push(this.ids[i]);
    }
    if (!this.citations) {
      this.citations = fetchJson(this.page.getAttribute("data-bl-citations"));
      this.citations.catch(function () { self.citations = null; });
    }
    return this.citations.then(function (byId) {
      var text = picked.map(function (id) { return byId[id] ? byId[id][key] : ""; }).join("\n");
      saveFile("bufferlit-" + picked.length + "-papers." + suffix, type + ";charset=utf-8", text);
    });
  };

  Catalogue.prototype.start = function () {
    var self = this;
    var update = function () { self.limit = PAGE; self.update(); };
    this.form.addEventListener("change", update);
    this.form.addEventListener("submit", function (event) { event.preventDefault(); });
    this.form.addEventListener("reset", function () { window.setTimeout(update, 0); });
    this.query.addEventListener("input", update);
    this.query.addEventListener("focus", function () { self.loadAuthors(); });
    this.sort.addEventListener("change", update);
    this.page.querySelectorAll("button[data-bl-clear]").forEach(function (button) {
      if (button.type !== "reset") {
        button.addEventListener("click", function () { self.form.reset(); });
      }
    });
    if (this.moreButton) {
      this.moreButton.addEventListener("click", function () {
        self.limit += PAGE;
        self.display();
      });
    }
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
    // A text filter in the address: wait for the authors so the first list is the right one.
    var ready = this.query.value.trim() ? this.loadAuthors() : Promise.resolve();
    return ready.then(update, update);
  };

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  /* The search page: Pagefind's UI, loaded from the site's own bundle the first time. */
  var pagefindUi = null;

  function loadPagefindUi(bundle) {
    if (!pagefindUi) {
      pagefindUi = new Promise(function (resolve, reject) {
        var style = document.createElement("link");
        style.rel = "stylesheet";
        style.href = bundle + "pagefind-ui.css";
        document.head.appendChild(style);
        var script = document.createElement("script");
        script.src = bundle + "pagefind-ui.js";
        script.onload = function () { resolve(window.PagefindUI); };
        script.onerror = function () { pagefindUi = null; reject(new Error("no search index")); };
        document.head.appendChild(script);
      });
    }
    return pagefindUi;
  }

  function initSearch(page) {
    var bundle = new URL(page.getAttribute("data-bl-bundle"), window.location.href).href;
    var element = page.querySelector("#bl-search-ui");
    loadPagefindUi(bundle).then(function (PagefindUI) {
      var ui = new PagefindUI({
        element: element,
        bundlePath: bundle,
        showImages: false,
        showSubResults: false,
        resetStyles: false,
        autofocus: true,
        translations: { placeholder: "Search papers" }
      });
      var query = new URLSearchParams(window.location.search).get("q");
      if (query) ui.triggerSearch(query);
      page.dataset.blReady = "1";
    }, function () {
      var note = document.createElement("p");
      note.className = "bl-note";
      note.textContent = "The search index is missing: `bufferlit build` makes it.";
      element.appendChild(note);
    });
  }

  function init() {
    initCopyButtons(document);
    // Material's search overlay (a site that keeps its search plugin) has role="dialog" but
    // no name (axe: aria-dialog-name).
    var dialog = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    if (dialog) dialog.setAttribute("aria-label", "Search");
    var search = document.querySelector("[data-bl-search]");
    if (search && !search.dataset.blStarted) {
      search.dataset.blStarted = "1";
      initSearch(search);
    }
    var page = document.querySelector("[data-bl-catalogue]");
    if (page && !page.dataset.blStarted) {
      page.dataset.blStarted = "1";
      new Catalogue(page).start().then(function () { page.dataset.blReady = "1"; });
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
