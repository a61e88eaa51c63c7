// Dash 4's dropdowns keep a hidden input in the tab order (aria-hidden="true" yet focusable, so a
// screen reader lands on nothing: axe's aria-hidden-focus) that hands focus on to the dropdown's
// button. Take the input out of the tab order and put the button itself in: one tab stop, on the
// control a screen reader announces. Its keys are the dropdown's own (Enter or arrow down opens
// it; typing a letter searches a searchable one). Dash resets the input's tabindex on blur, so
// every change is watched and mended.
(function () {
    function mend() {
        document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (input) {
            if (input.getAttribute('tabindex') !== '-1') { input.setAttribute('tabindex', '-1'); }
            var button = input.nextElementSibling;
            if (button && button.tagName === 'BUTTON' && !button.disabled && button.getAttribute('tabindex') !== '0') {
                button.setAttribute('tabindex', '0');
            }
        });
    }

    new MutationObserver(mend).observe(document.documentElement, {
        subtree: true, childList: true, attributes: true, attributeFilter: ['tabindex'],
    });
    mend();
})();
