/* bufferlit's header search, off the page's thread: Pagefind runs here (in this worker it
   runs in place, without a worker of its own) over a group of the index's shards, and only
   what the panel shows goes back to the page: the number of results and the first few,
   with their scores so the page can merge the groups.

   Pagefind's own worker sends the page every result of a search, with its word positions
   (40,812 for "replay" at 100,000 papers), and the page then merges and sorts them all: that
   took as long as the search itself. Several of these workers search their groups of shards
   at once on a reader's cores.

   Messages from the page: {start: [bundle URL, ...]} (the first bundle's pagefind.js is the
   one run; the others are merged into it), {preload: query}, {search: query, id, limit}.
   Answers: {id, count, results: [{score, url, title, excerpt}]} or {id, error}. */

var started = null;

/* Pagefind fetches a bundle's files one after another (its entry, then its metadata), and a
   merged bundle's only once the first bundle's wasm is compiled. Here every bundle's entry
   and metadata (and the first one's wasm) are fetched at once, and Pagefind's own fetch of
   such a file takes the response already on its way: a search sent right after focus shows
   its results ~100 ms sooner at 100,000 papers (16 bundles a worker), ~45 ms at 10,000.
   Any other file (or a layout a later Pagefind might use) goes to the network as before. */
var prefetched = new Map();  // URL without its query -> promise of its response
var networkFetch = self.fetch.bind(self);

/* Pagefind's index files are gzipped, and Pagefind inflates them in JavaScript unless they
   arrive inflated (they then start with its signature, "pagefind_dcd"). The browser's own
   DecompressionStream does it natively: at 100,000 papers start-up (32 metadata files) takes
   ~50 ms less, and a first search (32 index chunks) ~90 ms less. */
var GZIPPED = /\.(pf_index|pf_filter|pf_fragment|pf_meta|pagefind)$/;

function inflated(response) {
  if (!response.ok || typeof DecompressionStream === "undefined") return response;
  return response.arrayBuffer().then(function (bytes) {
    var head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
    // not gzip: a host that sent it with Content-Encoding, already inflated by the browser
    if (head[0] !== 0x1f || head[1] !== 0x8b) return new Response(bytes);
    return new Response(new Response(bytes).body.pipeThrough(new DecompressionStream("gzip")));
  });
}

self.fetch = function (input, init) {
  var url = String(input instanceof Request ? input.url : input).split("?")[0];
  var early = prefetched.get(url);
  if (early) prefetched.delete(url);  // a response is read once
  var response = early || networkFetch(input, init);
  return GZIPPED.test(url) ? response.then(inflated) : response;
};

function prefetch(url, options) {
  var response = networkFetch(url, options);
  prefetched.set(url, response);
  response.catch(function () { prefetched.delete(url); });
  return response;
}

function prefetchBundle(bundle, first) {
  // "no-cache": Pagefind asks for the entry with a new query each time, so never a stale one
  prefetch(bundle + "pagefind-entry.json", { cache: "no-cache" }).then(function (response) {
    return response.clone().json();
  }).then(function (entry) {
    var languages = Object.values(entry.languages || {});
    if (languages.length !== 1) return;  // which language it takes is Pagefind's rule
    prefetch(bundle + "pagefind." + languages[0].hash + ".pf_meta");
    if (first) prefetch(bundle + "wasm." + (languages[0].wasm || "unknown") + ".pagefind");
  }).catch(function () {});  // Pagefind fetches it itself and reports the failure
}

function start(bundles) {
  bundles.forEach(function (bundle, index) { prefetchBundle(bundle, index === 0); });
  started = import(bundles[0] + "pagefind.js").then(function (pagefind) {
    return Promise.all(bundles.slice(1).map(function (bundle) {
      return pagefind.mergeIndex(bundle);
    })).then(function () {
      return pagefind.init();
    }).then(function () { return pagefind; });
  });
  started.catch(function () {});  // reported with the first search
}

function search(query, limit) {
  return started.then(function (pagefind) {
    return pagefind.search(query);
  }).then(function (found) {
    var first = found.results.slice(0, limit);
    return Promise.all(first.map(function (result) { return result.data(); })).then(
      function (pages) {
        return {
          count: found.results.length,
          results: pages.map(function (page, index) {
            return {
              score: first[index].score,
              url: page.url,
              title: page.meta.title || page.url,
              excerpt: page.excerpt || ""
            };
          })
        };
      });
  });
}

self.onmessage = function (event) {
  var message = event.data;
  if (message.start) {
    start(message.start);
  } else if (message.preload) {
    started.then(function (pagefind) { return pagefind.preload(message.preload); })
      .catch(function () {});
  } else if (message.search) {
    search(message.search, message.limit).then(function (answer) {
      answer.id = message.id;
      self.postMessage(answer);
    }, function (error) {
      self.postMessage({id: message.id, error: String(error)});
    });
  }
};
