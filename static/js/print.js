// A button that prints the page (a file: the Content-Security-Policy allows no inline script).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
