'use strict';

// Custom Plotly.js partial bundle for ovp_assess.
// Traces: scatter (built into core), bar, heatmap, scatterpolar.

// Our Content Security Policy forbids inline <style>: Plotly's rules are served as a file
// (static/css/plotly.css), so the rules it would inject at run time are dropped. The DOM
// helpers are patched before the core loads, so every module sees the patched ones.
var dom = require('plotly.js/src/lib/dom');
function noStyleRule() {}
dom.addStyleRule = noStyleRule;
dom.addRelatedStyleRule = noStyleRule;
dom.deleteRelatedStyleRule = noStyleRule;

var Plotly = require('plotly.js/lib/core');
var Lib = require('plotly.js/src/lib');
Lib.addStyleRule = noStyleRule;
Lib.addRelatedStyleRule = noStyleRule;
Lib.deleteRelatedStyleRule = noStyleRule;

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scatterpolar')
]);

module.exports = Plotly;
