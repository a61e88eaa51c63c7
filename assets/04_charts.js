// The chart toolbar's camera: the image carries the chart's title, view and disclosure rule.
// The server puts them in the figure's title (charts.captioned), hidden on the page, where the
// card's own heading says the same. Here the image is made from the figure with room above the
// plot for that title, and named after the chart and view (layout.meta.filename).
(function () {
    function lines(text) {
        return text ? (String(text).match(/<br>/g) || []).length + 1 : 0;
    }

    function imageLayout(gd) {
        var full = gd._fullLayout || {};
        var layout = Object.assign({}, gd.layout);
        var title = layout.title || {};
        var room = 22 + 22 * lines(title.text) + 17 * lines(title.subtitle && title.subtitle.text);
        layout.margin = Object.assign({}, layout.margin, {t: ((full.margin && full.margin.t) || 16) + room});
        layout.width = full.width;
        layout.height = (full.height || 320) + room;
        return layout;
    }

    document.addEventListener('click', function (event) {
        var button = event.target && event.target.closest ? event.target.closest('.modebar-btn') : null;
        if (!button || !/^Download/.test(button.getAttribute('data-title') || '')) { return; }
        var gd = button.closest('.js-plotly-plot');
        if (!gd || !gd.layout || !window.Plotly) { return; }  // Plotly's own button does the work
        event.preventDefault();
        event.stopImmediatePropagation();
        var options = Object.assign({format: 'png'}, (gd._context || {}).toImageButtonOptions);
        if (gd.layout.meta && gd.layout.meta.filename) { options.filename = gd.layout.meta.filename; }
        window.Plotly.downloadImage({data: gd.data, layout: imageLayout(gd)}, options);
    }, true);  // capture: before the button's own handler, which would save the figure as drawn
})();
