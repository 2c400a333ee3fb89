/* bufferlit: catalogue filters, citation downloads and copy buttons.
 *
 * Enhances server-rendered HTML: without this script every page is complete and readable.
 * Record text only ever reaches the DOM through textContent or Blob contents, never innerHTML.
 * Works with Material's instant navigation: init runs on every document$ emission.
 */
(function () {
  "use strict";

  var NARROW = "(max-width: 76.1875em)";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Levenshtein distance, or max + 1 as soon as it must exceed max. */
  function editDistance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var previous = [], current, i, j;
    for (j = 0; j <= b.length; j++) previous[j] = j;
    for (i = 1; i <= a.length; i++) {
      current = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        current[j] = Math.min(previous[j] + 1, current[j - 1] + 1,
          previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (current[j] < best) best = current[j];
      }
      if (best > max) return max + 1;
      previous = current;
    }
    return previous[b.length];
  }

  var WORDS = /[a-z0-9]+/g;
  var vocabularies = new WeakMap();

  /* Each title word with the number of titles it is in (made once per list of titles). */
  function vocabulary(haystacks) {
    if (!vocabularies.has(haystacks)) {
      var counts = new Map();
      haystacks.forEach(function (title) {
        new Set(title.match(WORDS) || []).forEach(function (word) {
          counts.set(word, (counts.get(word) || 0) + 1);
        });
      });
      vocabularies.set(haystacks, counts);
    }
    return vocabularies.get(haystacks);
  }

  /* The title closest to a mistyped query (haystacks: folded titles): each query word becomes
     the nearest title word (at most one edit per three letters; ties go to the commoner word),
     then the first title holding every corrected word wins. -1 if none, or if no word needed
     correcting (then there is nothing better to suggest). */
  function closestTitle(haystacks, query) {
    var words = fold(query || "").match(WORDS) || [];
    var counts = vocabulary(haystacks), corrected = [], changed = false;
    words.forEach(function (word) {
      if (word.length < 3) return;
      if (counts.has(word)) { corrected.push(word); return; }
      var max = Math.max(1, Math.floor(word.length / 3)), best = null, bestDistance = max + 1;
      counts.forEach(function (count, candidate) {
        var distance = editDistance(word, candidate, Math.min(max, bestDistance));
        if (distance < bestDistance ||
            (distance === bestDistance && best !== null && count > counts.get(best))) {
          best = candidate;
          bestDistance = distance;
        }
      });
      if (best !== null) { corrected.push(best); changed = true; }
    });
    if (!changed) return -1;
    for (var i = 0; i < haystacks.length; i++) {
      var title = haystacks[i].match(WORDS) || [];
      if (corrected.every(function (word) { return title.indexOf(word) !== -1; })) return i;
    }
    return -1;
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

  /* The catalogue. The page carries its first rows (server-rendered, in year order) and links
     to numbered pages for readers without a script. The script fetches a compact JSON (each
     facet's values once, then per paper its id and the indexes of its values), filters and
     counts over plain arrays, and draws only the rows on screen: the first matches, then more
     on "Show more". A row's text comes from its page's rows file, fetched when a row of that
     page is first drawn; the titles file only for the text filter or the title order. */
  function Catalogue(page, data) {
    var self = this;
    this.page = page;
    this.form = page.querySelector("[data-bl-filters]");
    this.list = page.querySelector(".bl-papers");
    this.query = page.querySelector("#bl-q");
    this.sort = page.querySelector("#bl-sort");
    this.shownNode = page.querySelector("[data-bl-shown]");
    this.selectedNodes = Array.from(page.querySelectorAll("[data-bl-selected]"));
    this.emptyNode = page.querySelector("[data-bl-empty]");
    this.suggestNode = page.querySelector("[data-bl-suggest]");
    this.paperUrl = page.getAttribute("data-bl-paper-url");
    this.pageSize = Math.max(1, Number(page.getAttribute("data-bl-rows")) || 100);
    this.ids = data.ids;
    this.count = this.ids.length;
    this.keys = data.keys;
    this.values = data.values;
    this.names = data.names;
    // fv[k][i]: indexes of paper i's values of facet k (one array per distinct set).
    this.fv = data.columns.map(function (column, k) {
      var sets = data.sets[k];
      return column.map(function (set) { return sets[set]; });
    });
    this.titles = null;     // the text filter and the title order fetch them (loadTitles)
    this.haystacks = null;  // folded titles
    this.authors = null;    // folded titles and authors, fetched on first use of the text filter
    this.typeFacet = this.keys.indexOf("buffer_type");
    this.stanceFacet = this.keys.indexOf("stance");
    this.yearFacet = this.keys.indexOf("year");
    // By paper index, from the per-page files (pageSize papers each): what a row shows, and
    // [id, BibTeX, RIS] for downloads.
    this.rows = new Array(this.count);
    this.citations = new Array(this.count);
    this.pageFiles = { rows: {}, citations: {} };  // page number -> promise, per kind
    this.drawn = 0;      // the latest display(): an older one that resolves late draws nothing
    this.pending = 0;    // fetches the list waits for (aria-busy while there are any)
    // Row elements by paper index: the server's rows now (the first page, in list order), the
    // others made when first shown.
    this.rowNodes = new Array(this.count);
    Array.from(this.list.children).forEach(function (row, i) {
      if (self.ids[i] === row.getAttribute("data-paper-id")) self.rowNodes[i] = row;
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
        // A value the server marked data-bl-last (no year) stays last whatever its count.
        last: items.map(function (item) { return item && item.hasAttribute("data-bl-last") ? 1 : 0; }),
        order: items.map(function (item, v) { return v; })
      };
    });
    this.visible = new Uint8Array(this.count).fill(1);  // matches the filters
    this.limit = this.pageSize;
    this.moreRow = page.querySelector("[data-bl-more-row]");
    this.moreButton = page.querySelector("[data-bl-more]");
    this.order = null;           // paper indexes in display order; null = data (year) order
    this.shownCount = this.count;
  }

  /* A list row, the same markup as the server's (pages/macros.html paper_row); record text
     goes in through textContent and attributes only. */
  Catalogue.prototype.makeRow = function (i) {
    // Its rows file missing (a failed fetch): the row still links the paper, by its id.
    var paper = this.rows[i] || [this.ids[i], this.ids[i], "", "", ""];
    var row = element("li", "bl-paper");
    row.setAttribute("data-paper-id", paper[0]);
    var title = element("a", "bl-paper__title", paper[1]);
    title.href = this.paperUrl.replace("__id__", encodeURIComponent(paper[0]));
    row.appendChild(title);
    var meta = element("div", "bl-paper__meta");
    if (paper[2]) meta.appendChild(element("span", "bl-paper__authors", paper[2]));
    meta.appendChild(element("span", "bl-paper__year", this.valueOf(this.yearFacet, i)[0] || ""));
    if (paper[3]) meta.appendChild(element("span", "bl-paper__venue", paper[3]));
    row.appendChild(meta);
    var tags = element("div", "bl-paper__tags");
    var badges = element("span", "bl-badges");
    var values = this.values[this.typeFacet], names = this.names[this.typeFacet];
    (this.fv[this.typeFacet][i] || []).forEach(function (v) {
      badges.appendChild(element("span", "bl-badge bl-badge--" + values[v], names[v]));
    });
    tags.appendChild(badges);
    var stance = this.fv[this.stanceFacet][i] || [];
    if (stance.length) {
      var value = this.values[this.stanceFacet][stance[0]];
      tags.appendChild(document.createTextNode(" "));
      tags.appendChild(element("span", "bl-stance bl-stance--" + value,
        this.names[this.stanceFacet][stance[0]]));
    }
    if (paper[4]) {
      var code = element("a", "bl-code", "Code");
      code.href = paper[4];
      code.rel = "noopener";
      tags.appendChild(document.createTextNode(" "));
      tags.appendChild(code);
    }
    row.appendChild(tags);
    return row;
  };

  Catalogue.prototype.valueOf = function (k, i) {
    var names = this.names[k];
    return (this.fv[k][i] || []).map(function (v) { return names[v]; });
  };

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

  /* The titles, matched to the data by id (a file from another build leaves a paper it lacks
     without a title rather than giving it another's). */
  Catalogue.prototype.loadTitles = function () {
    var self = this;
    var url = new URL(this.page.getAttribute("data-bl-titles"), window.location.href).href;
    return loadTitleList(url).then(function (list) {
      if (self.haystacks) return;
      var byId = new Map(list.ids.map(function (id, i) { return [id, i]; }));
      var at = self.ids.map(function (id) { return byId.has(id) ? byId.get(id) : -1; });
      self.titles = at.map(function (i) { return i < 0 ? "" : list.titles[i]; });
      self.haystacks = at.map(function (i) { return i < 0 ? "" : list.haystacks[i]; });
    });
  };

  Catalogue.prototype.loadAuthors = function () {
    var self = this;
    if (!this.authorsPromise) {
      this.authorsPromise = Promise.all([
        this.loadTitles(), fetchJson(this.page.getAttribute("data-bl-authors"))
      ]).then(
        function (loaded) {
          var byId = loaded[1];
          self.authors = self.ids.map(function (id, i) {
            return self.haystacks[i] + " " + fold(byId[id] || "");
          });
        },
        function () { self.authorsPromise = null; }
      );
    }
    return this.authorsPromise;
  };

  /* Catalogue page `number`'s entry of a per-page file (`kind`: rows or citations), one
     [id, ...] entry per paper from (number - 1) * pageSize, kept by paper index where the id
     is where the data has it (a file from a newer build gives no paper another's entry).
     Rejects if the file cannot be fetched (and fetches it again next time). */
  Catalogue.prototype.loadPage = function (kind, number) {
    var self = this, files = this.pageFiles[kind];
    if (!files[number]) {
      var first = (number - 1) * this.pageSize, into = this[kind];
      var url = this.page.getAttribute("data-bl-" + kind + "-url");
      url = url.replace("__page__", String(number));
      files[number] = fetchJson(url).then(function (entries) {
        entries.forEach(function (entry, j) {
          if (self.ids[first + j] === entry[0]) into[first + j] = entry;
        });
      });
      files[number].catch(function () { delete files[number]; });
    }
    return files[number];
  };

  /* Load `kind` for these paper indexes: the pages they are on that are not here yet. */
  Catalogue.prototype.loadFor = function (kind, indexes) {
    var self = this, pages = {}, have = this[kind];
    indexes.forEach(function (i) {
      if (!have[i]) pages[Math.floor(i / self.pageSize) + 1] = true;
    });
    return Object.keys(pages).map(function (number) { return self.loadPage(kind, number); });
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

  /* Counts and the status answer at once; the rows once their text is here (the returned
     promise). */
  Catalogue.prototype.update = function () {
    var self = this;
    var state = this.state();
    if ((state.terms.length || state.sort === "title") && !this.haystacks) {
      this.writeUrl(state);  // the address follows the form at once, the list when it can
      return this.busy(this.loadTitles().then(function () { return self.update(); },
        function () {}));
    }
    if (state.terms.length && !this.authors) {
      // Titles answer now; the authors file refines the list when it arrives.
      this.loadAuthors().then(function () { self.update(); });
    }
    var result = this.compute(state);
    this.visible = result.visible;
    this.shownCount = result.shown;
    this.reorder(state.sort);
    var drawn = this.display();
    this.facets.forEach(function (facet, k) { self.recount(facet, result.counts[k]); });

    var count = String(result.shown);
    if (this.shownNode) this.shownNode.textContent = count;
    this.selectedNodes.forEach(function (node) { node.textContent = count; });
    if (this.emptyNode) this.emptyNode.hidden = result.shown > 0;
    if (this.suggestNode) {
      var closest = result.shown || !this.haystacks ? -1 : closestTitle(this.haystacks, state.q);
      this.suggestNode.hidden = closest < 0;
      if (closest >= 0) {
        var link = this.suggestNode.querySelector("a");
        link.textContent = this.titles[closest];
        link.href = this.paperUrl.replace("__id__", encodeURIComponent(this.ids[closest]));
      }
    }
    this.writeUrl(state);
    return drawn;
  };

  /* Draw the first `limit` matching rows in display order (only those are in the list), once
     the rows files they need are here. */
  Catalogue.prototype.display = function () {
    var self = this, visible = this.visible, picked = [];
    var left = Math.min(this.limit, this.shownCount), drawn = ++this.drawn;
    for (var p = 0; p < this.count && left > 0; p++) {
      var i = this.order ? this.order[p] : p;
      if (!visible[i]) continue;
      left--;
      picked.push(i);
    }
    var loads = this.loadFor("rows", picked.filter(function (i) { return !self.rowNodes[i]; }));
    // A rows file that cannot be fetched leaves its rows with their ids (makeRow).
    var ready = Promise.all(loads.map(function (load) { return load.catch(function () {}); }));
    ready = ready.then(function () {
      if (drawn !== self.drawn) return;
      var fragment = document.createDocumentFragment();
      picked.forEach(function (i) {
        if (!self.rowNodes[i]) self.rowNodes[i] = self.makeRow(i);
        self.rowNodes[i].hidden = false;
        fragment.appendChild(self.rowNodes[i]);
      });
      self.list.replaceChildren(fragment);
      var shown = picked.length, rest = self.shownCount - shown;
      if (self.moreRow) {
        self.moreRow.hidden = rest <= 0;
        self.moreButton.textContent = "Show " + Math.min(rest, self.pageSize) + " more (" +
          shown + " of " + self.shownCount + " shown)";
      }
    });
    return loads.length ? this.busy(ready) : ready;
  };

  /* The list is marked aria-busy while what it will show is being fetched. */
  Catalogue.prototype.busy = function (promise) {
    var self = this;
    this.pending += 1;
    this.list.setAttribute("aria-busy", "true");
    var done = function () {
      self.pending -= 1;
      if (!self.pending) self.list.removeAttribute("aria-busy");
    };
    promise.then(done, done);
    return promise;
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
      return facet.last[a] - facet.last[b] || counts[b] - counts[a] || a - b;
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

  /* The citations come from the per-page files of the papers in the download (fetched on
     the first download that holds one of them), not from the page. */
  Catalogue.prototype.download = function (format) {
    var self = this;
    var key = format === "ris" ? 2 : 1;
    var suffix = format === "ris" ? "ris" : "bib";
    var type = format === "ris" ? "application/x-research-info-systems" : "application/x-bibtex";
    var picked = [];
    for (var p = 0; p < this.count; p++) {
      var i = this.order ? this.order[p] : p;
      if (this.visible[i]) picked.push(i);
    }
    return Promise.all(this.loadFor("citations", picked)).then(function () {
      var text = picked.map(function (i) {
        return self.citations[i] ? self.citations[i][key] : "";
      }).join("\n");
      saveFile("bufferlit-" + picked.length + "-papers." + suffix, type + ";charset=utf-8", text);
    });
  };

  Catalogue.prototype.start = function () {
    var self = this;
    var update = function () { self.limit = self.pageSize; return self.update(); };
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
        self.limit += self.pageSize;
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
    // "Show more" replaces the numbered pages (they stay for readers without a script).
    this.page.querySelectorAll("[data-bl-pager]").forEach(function (node) {
      node.hidden = true;
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
    return ready.then(update);
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
    Promise.all([loadPagefindUi(bundle), loadShards(bundle)]).then(function (loaded) {
      var PagefindUI = loaded[0];
      var ui = new PagefindUI({
        element: element,
        bundlePath: bundle,
        mergeIndex: loaded[1].map(function (shard) { return { bundlePath: shard }; }),
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

  /* A large catalogue's index is in shards (site/search.py): their bundle paths, relative to
     the main bundle. */
  function loadShards(bundle) {
    return fetchJson(bundle + "bufferlit-shards.json").then(function (paths) {
      return paths.map(function (path) { return new URL(path, bundle).href; });
    });
  }

  /* The header's search: results in a panel under the field, without a page load. Pagefind
     runs in workers (search-worker.js), each over a group of the index's bundles, and starts
     loading when the field gets focus. */
  var searchers = {};  // bundle URL -> promise of a Searcher
  var SEARCH_RESULTS = 8;
  var SEARCH_WORKERS = 4;  // each starts its own copy of Pagefind (wasm, index metadata)
  var TYPING_PAUSE_MIN_MS = 60;   // see HeaderSearch.typingPause
  var TYPING_PAUSE_MAX_MS = 300;

  function loadSearcher(bundle, workerUrl) {
    if (!searchers[bundle]) {
      searchers[bundle] = loadShards(bundle).then(function (shards) {
        return new Searcher(workerUrl, [bundle].concat(shards));
      });
      searchers[bundle].catch(function () { delete searchers[bundle]; });
    }
    return searchers[bundle].then(function (searcher) {
      if (!searcher.broken) return searcher;
      // Its workers failed (`bufferlit serve` makes the index after the pages, say), and a
      // worker does not fetch a module again once it failed: new workers.
      delete searchers[bundle];
      return loadSearcher(bundle, workerUrl);
    });
  }

  /* One worker a group of bundles: one a core (the page waits while they search), at most
     SEARCH_WORKERS and one a bundle. */
  function bundleGroups(bundles) {
    var cores = navigator.hardwareConcurrency || 1;
    var count = Math.max(1, Math.min(bundles.length, cores, SEARCH_WORKERS));
    var groups = [];
    for (var i = 0; i < count; i++) {
      groups.push(bundles.slice(Math.round(i * bundles.length / count),
                                Math.round((i + 1) * bundles.length / count)));
    }
    return groups;
  }

  function Searcher(workerUrl, bundles) {
    var self = this;
    this.waiting = {};  // message id -> {resolve, reject}
    this.asked = 0;
    this.broken = null;
    this.workers = bundleGroups(bundles).map(function (group) {
      var worker = new Worker(workerUrl, { type: "module" });
      worker.onmessage = function (event) { self.answer(event.data); };
      worker.onerror = function () { self.fail(new Error("the search worker failed")); };
      worker.postMessage({ start: group });
      return worker;
    });
  }

  Searcher.prototype.answer = function (message) {
    var waiting = this.waiting[message.id];
    if (!waiting) return;
    delete this.waiting[message.id];
    if (!message.error) {
      waiting.resolve(message);
      return;
    }
    var error = new Error(message.error);
    waiting.reject(error);
    this.fail(error);
  };

  /* A worker failed: every search waiting is refused, and the workers stop. */
  Searcher.prototype.fail = function (error) {
    this.broken = this.broken || error;
    var waiting = this.waiting;
    this.waiting = {};
    Object.keys(waiting).forEach(function (id) { waiting[id].reject(error); });
    this.workers.forEach(function (worker) { worker.terminate(); });
  };

  Searcher.prototype.preload = function (query) {
    this.workers.forEach(function (worker) { worker.postMessage({ preload: query }); });
  };

  /* Every group's first `limit` results, merged by score as Pagefind merges its bundles'
     (a stable sort: equal scores keep the bundles' order). */
  Searcher.prototype.search = function (query, limit) {
    var self = this;
    if (this.broken) return Promise.reject(this.broken);
    return Promise.all(this.workers.map(function (worker) {
      var id = ++self.asked;
      worker.postMessage({ search: query, id: id, limit: limit });
      return new Promise(function (resolve, reject) {
        self.waiting[id] = { resolve: resolve, reject: reject };
      });
    })).then(function (answers) {
      var results = [].concat.apply([], answers.map(function (answer) { return answer.results; }));
      results.sort(function (a, b) { return b.score - a.score; });
      return {
        count: answers.reduce(function (sum, answer) { return sum + answer.count; }, 0),
        results: results.slice(0, limit)
      };
    });
  };

  var catalogueTitles = {};  // titles URL -> promise of {ids, haystacks, titles}
  var titleWordLists = {};   // title words URL -> promise of a Set of words

  /* A JSON file fetched once (while its fetch has not failed), then made into `make`. */
  function loadFile(loaded, url, make) {
    if (!loaded[url]) {
      loaded[url] = fetchJson(url).then(make);
      loaded[url].catch(function () { delete loaded[url]; });
    }
    return loaded[url];
  }

  function loadTitleList(url) {
    return loadFile(catalogueTitles, url, function (pairs) {
      var titles = pairs.map(function (pair) { return pair[1]; });
      return {
        ids: pairs.map(function (pair) { return pair[0]; }),
        titles: titles,
        haystacks: titles.map(fold)
      };
    });
  }

  /* Pagefind's excerpt is escaped text with <mark> around the hits: rebuilt as text nodes and
     mark elements, never as HTML. */
  function excerptNodes(excerpt) {
    var parsed = new DOMParser().parseFromString("<body>" + excerpt, "text/html").body;
    return Array.from(parsed.childNodes).map(function (node) {
      if (node.nodeName === "MARK") return element("mark", "", node.textContent);
      return document.createTextNode(node.textContent);
    });
  }

  function HeaderSearch(form) {
    var here = window.location.href;
    this.form = form;
    this.input = form.querySelector("input[type=search]");
    this.panel = form.querySelector("[data-bl-search-panel]");
    this.status = this.panel.querySelector(".bl-search-panel__status");
    this.list = this.panel.querySelector(".bl-search-panel__results");
    this.suggest = this.panel.querySelector(".bl-search-panel__suggest");
    this.all = this.panel.querySelector(".bl-search-panel__all a");
    // Absolute now: with instant navigation the header may outlive the page it came with.
    this.bundle = new URL(form.getAttribute("data-bl-bundle"), here).href;
    this.workerUrl = new URL(form.getAttribute("data-bl-worker"), here).href;
    this.titlesUrl = new URL(form.getAttribute("data-bl-titles"), here).href;
    this.titleWordsUrl = new URL(form.getAttribute("data-bl-title-words"), here).href;
    this.paperUrl = new URL(form.getAttribute("data-bl-paper-url"), here).href;
    this.searchUrl = new URL(form.getAttribute("action"), here).href;
    this.wanted = "";      // what the field asks for (trimmed)
    this.running = null;   // the query being searched for, if any
    this.timer = null;
    this.searchMs = TYPING_PAUSE_MAX_MS;  // how long the last search took (none yet: long)
  }

  HeaderSearch.prototype.start = function () {
    var self = this;
    this.input.addEventListener("focus", function () {
      self.searcher().catch(function () {});
    });
    this.input.addEventListener("input", function () {
      var query = self.input.value.trim();
      window.clearTimeout(self.timer);
      // Pagefind takes a query's last word as a prefix: as a word's first letter, that is
      // most of the index (2-3 s at 100,000 papers, and the whole word waits behind it).
      // Enter still searches for it.
      if (/(^|\s)\S$/.test(query)) return;
      if (query) {  // fetch the query's index chunks while the reader is still typing
        self.searcher().then(function (searcher) { searcher.preload(query); })
          .catch(function () {});
      }
      self.timer = window.setTimeout(function () { self.run(); }, self.typingPause());
    });
    this.form.addEventListener("submit", function (event) {
      if (!self.input.value.trim()) return;  // the search page (a phone shows only the button)
      event.preventDefault();
      window.clearTimeout(self.timer);
      self.run();
    });
    this.form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { self.panel.hidden = true; self.input.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!self.form.contains(event.target)) self.panel.hidden = true;
    });
  };

  HeaderSearch.prototype.searcher = function () {
    return loadSearcher(this.bundle, this.workerUrl);
  };

  /* One search at a time, for the latest query: a worker answers one search after another,
     so a search started for every keystroke (and again on Enter) made the last one wait for
     all the others. When the search in flight ends, the query the field holds by then runs,
     unless it is the same. */
  HeaderSearch.prototype.run = function () {
    var query = this.input.value.trim();
    this.wanted = query;
    if (!query) { this.panel.hidden = true; return; }
    if (this.running === null) this.search(query);
  };

  /* While the reader types, a search waits for a pause as long as the last search took
     (60-300 ms): a search started between two keys delays the whole word's by its own time
     (at 100,000 papers "re" takes ~1 s, "replay" ~0.5 s), and where searches are quick,
     results follow the keys closely. */
  HeaderSearch.prototype.typingPause = function () {
    return Math.max(TYPING_PAUSE_MIN_MS, Math.min(TYPING_PAUSE_MAX_MS, this.searchMs));
  };

  HeaderSearch.prototype.search = function (query) {
    var self = this, started = performance.now();
    this.running = query;
    this.searcher().then(function (searcher) {
      return searcher.search(query, SEARCH_RESULTS);
    }).then(function (search) {
      self.searchMs = performance.now() - started;
      if (self.settle(query)) self.show(query, search.count, search.results);
    }, function (error) {
      if (self.settle(query)) throw error;
    }).catch(function () {
      if (self.wanted !== query) return;
      self.list.replaceChildren();
      self.status.textContent = "Search is not available here (bufferlit build makes its index).";
      self.panel.hidden = false;
    });
  };

  /* The search for `query` ended: true if the field still asks for it, else the search for
     what it asks for now starts. */
  HeaderSearch.prototype.settle = function (query) {
    this.running = null;
    if (this.wanted === query) return true;
    if (this.wanted) this.search(this.wanted);
    return false;
  };

  HeaderSearch.prototype.show = function (query, count, results) {
    this.list.replaceChildren.apply(this.list, results.map(function (result) {
      var item = element("li");
      var link = element("a", "bl-search-panel__title", result.title);
      link.href = result.url;
      item.appendChild(link);
      var excerpt = element("span", "bl-search-panel__excerpt");
      excerptNodes(result.excerpt).forEach(function (node) { excerpt.appendChild(node); });
      item.appendChild(excerpt);
      return item;
    }));
    this.status.textContent = count
      ? count + (count === 1 ? " paper" : " papers") + " for \u201c" + query + "\u201d"
      : "No paper matches \u201c" + query + "\u201d.";
    this.all.href = this.searchUrl + "?q=" + encodeURIComponent(query);
    this.suggest.hidden = true;
    this.panel.hidden = false;
    this.form.setAttribute("data-bl-results", String(count));
    this.suggestTitle(query, results.length ? results[0].url : "");
  };

  /* Pagefind finds nothing for a mistyped word, or something loose: offer the closest title
     (unless it is the first result). Every title is fetched only when a query word is not a
     title word: otherwise there is nothing to correct (closestTitle would say so). */
  HeaderSearch.prototype.suggestTitle = function (query, first) {
    var self = this;
    var words = fold(query).match(WORDS) || [];
    loadFile(titleWordLists, this.titleWordsUrl, function (list) { return new Set(list); })
      .then(function (known) {
        var typo = words.some(function (word) { return word.length >= 3 && !known.has(word); });
        return typo ? loadTitleList(self.titlesUrl) : null;
      })
      .then(function (catalogue) {
        var closest = catalogue ? closestTitle(catalogue.haystacks, query) : -1;
        if (closest < 0 || self.input.value.trim() !== query) return;
        var link = self.suggest.querySelector("a");
        link.textContent = catalogue.titles[closest];
        link.href = self.paperUrl.replace("__id__", encodeURIComponent(catalogue.ids[closest]));
        if (first && new URL(first, window.location.href).href === link.href) return;
        self.suggest.hidden = false;
      }, function () {});
  };

  function init() {
    initCopyButtons(document);
    // Material's search overlay (a site that keeps its search plugin) has role="dialog" but
    // no name (axe: aria-dialog-name).
    var dialog = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    if (dialog) dialog.setAttribute("aria-label", "Search");
    var header = document.querySelector("[data-bl-header-search]");
    if (header && !header.dataset.blStarted) {
      header.dataset.blStarted = "1";
      new HeaderSearch(header).start();
    }
    var search = document.querySelector("[data-bl-search]");
    if (search && !search.dataset.blStarted) {
      search.dataset.blStarted = "1";
      initSearch(search);
    }
    var page = document.querySelector("[data-bl-catalogue]");
    if (page && !page.dataset.blStarted) {
      page.dataset.blStarted = "1";
      fetchJson(page.getAttribute("data-bl-data")).then(function (data) {
        return new Catalogue(page, data).start();
      }).then(function () { page.dataset.blReady = "1"; });
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
