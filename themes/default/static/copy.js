// Shows the "Copy BibTeX" buttons and copies the entry they point at.
// Without JavaScript the buttons stay hidden and the entry can be selected by hand.
(function () {
  "use strict";
  function copyFrom(button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!source || !navigator.clipboard) {
      if (status) status.textContent = "Select the entry above and copy it.";
      return;
    }
    navigator.clipboard.writeText(source.textContent).then(
      function () { if (status) status.textContent = "Copied."; },
      function () { if (status) status.textContent = "Could not copy; select the entry above instead."; }
    );
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copyFrom(button); });
  });
})();
