// Redraw every chart at the printed width before printing, and back afterwards: Plotly
// sizes charts in pixels when they are drawn and does not follow the print layout by itself.
(function () {
    function resizeAll() {
        if (!window.Plotly) { return; }
        document.querySelectorAll('.js-plotly-plot').forEach(function (plot) {
            try { window.Plotly.Plots.resize(plot); } catch (e) { /* a chart mid-update: skip it */ }
        });
    }
    window.addEventListener('beforeprint', resizeAll);
    window.addEventListener('afterprint', resizeAll);
    if (window.matchMedia) {
        window.matchMedia('print').addEventListener('change', resizeAll);
    }
})();
