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

// The same policy blocks a `style` attribute set from script (style-src-attr): Plotly sets
// some with d3's selection.attr('style', ...) (colorbar fills, the heatmap's pixelated
// image and its feature test). Setting the same text through the CSSOM (style.cssText) is
// allowed and has the same effect, so d3's attr() does that for `style`.
var d3 = require('@plotly/d3');
var d3Attr = d3.selection.prototype.attr;
d3.selection.prototype.attr = function (name, value) {
    if (name !== 'style' || arguments.length < 2) return d3Attr.apply(this, arguments);
    return this.each(function () {
        var text = typeof value === 'function' ? value.apply(this, arguments) : value;
        this.style.cssText = text == null ? '' : String(text);
    });
};

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
