// The Print button of printable pages (the Content Security Policy forbids inline scripts).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) {
    window.print();
  }
});
