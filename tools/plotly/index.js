'use strict';

// Custom Plotly.js partial bundle for ovp_assess.
// Traces: scatter (built into core), bar, heatmap, scatterpolar.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scatterpolar')
]);

module.exports = Plotly;
