// The verification page's drop zone: a file dropped on it becomes the form's chosen file.
// Without this script the file input works as usual.
(function () {
  "use strict";
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("verify-file");
  if (!zone || !input) { return; }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });
}());
