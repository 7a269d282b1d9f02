// Starts YASGUI on the query page: the local endpoint, the project's prefixes, the example queries.
// The configuration comes from a JSON block written by the server; nothing here calls another host:
// no prefix.cc lookups, no LOV autocompletion, no CORS proxy, no endpoint catalogue beyond this site. The prefix
// autocompletion reads the endpoint's own predeclared prefixes (/sparql/prefixes), not YASGUI's bundled list,
// whose schema: is http://schema.org/ while the data uses https://schema.org/.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("yasgui-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).toString();

  function prefixLines(query) {
    var lines = [];
    Object.keys(config.prefixes).forEach(function (name) {
      if (!new RegExp("PREFIX\\s+" + name + ":", "i").test(query)) {
        lines.push("PREFIX " + name + ": <" + config.prefixes[name] + ">");
      }
    });
    return lines;
  }

  var prefixesUrl = endpoint.replace(/\/?$/, "/prefixes");
  Yasgui.Yasqe.defaults.prefixCcApi = prefixesUrl;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    corsProxy: undefined,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    persistenceId: "autoalliance",
    populateFromUrl: true,
    autoAddOnInit: true,
    yasqe: {
      value: config.defaultQuery,
      prefixCcApi: prefixesUrl,
      autocompleters: ["prefixes", "variables"],
      createShareableLink: null,
    },
    yasr: { prefixes: config.prefixes },
  });

  // A tab opened from a link (?query=...) or a stored one may lack the prefixes: add them to the editor.
  function withPrefixes(tab) {
    var yasqe = tab.getYasqe();
    if (!yasqe) { return; }
    tab.setEndpoint(endpoint);
    var query = yasqe.getValue();
    var missing = prefixLines(query).filter(function (line) {
      var name = line.split(/\s+/)[1];
      return new RegExp("\\b" + name.replace(":", "") + ":").test(query.replace(/PREFIX[^\n]*\n/gi, ""));
    });
    if (missing.length) { yasqe.setValue(missing.join("\n") + "\n" + query); }
  }
  withPrefixes(yasgui.getTab());

  var picker = document.getElementById("example-select");
  if (picker) {
    picker.addEventListener("change", function () {
      var example = config.examples[Number(picker.value)];
      if (!example) { return; }
      var tab = yasgui.addTab(true, { name: example.title, yasqe: { value: example.query },
        requestConfig: { endpoint: endpoint } });
      yasgui.selectTabId(tab.getId());
      withPrefixes(yasgui.getTab());
      picker.value = "";
    });
  }
  window.autoallianceYasgui = yasgui;
})();
