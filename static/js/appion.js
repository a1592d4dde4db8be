// Appion's own behaviour; no inline scripts anywhere (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // Buttons marked data-confirm ask before a destructive action.
  document.body.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
