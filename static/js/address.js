// Progressive enhancement: choosing a district or town reloads the next list at once.
// Without JavaScript the "Show towns" / "Show committees" buttons do the same.
(function () {
  var form = document.getElementById("address-form");
  if (!form) return;
  ["district", "town"].forEach(function (name) {
    var select = form.elements[name];
    if (!select) return;
    select.addEventListener("change", function () {
      var button = form.querySelector('button[name="narrow"][value="' + name + '"]');
      if (button) button.click();
    });
  });
  Array.prototype.forEach.call(form.querySelectorAll("button.narrow"), function (button) {
    button.classList.add("visually-hidden");
  });
})();
