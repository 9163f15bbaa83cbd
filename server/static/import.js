// The import page's progress display (issue 14): a file is checked for its
// size before it is sent, and while a long file uploads and is checked the
// page shows a progress bar with the bytes sent, then the time the server
// has been checking it. The form is sent by XMLHttpRequest only to read the
// upload's progress; the answer replaces the page as a normal submission
// would. Without JavaScript the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = document.getElementById("file");
  var sizeError = document.getElementById("file-size-error");
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var text = document.getElementById("import-progress-text");
  var max = Number(form.getAttribute("data-max-bytes"));

  function mib(n) { return (n / 1048576).toFixed(1) + " MiB"; }

  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    sizeError.hidden = true;
    if (!file) { return; }
    if (file.size > max) {
      event.preventDefault();
      sizeError.textContent = "This file is " + mib(file.size) + ", over the limit of " + mib(max) + ": split it into smaller files and import each.";
      sizeError.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    var started = Date.now();
    var timer = null;
    box.hidden = false;
    bar.max = file.size;
    bar.value = 0;
    text.textContent = "Sending " + file.name + "…";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
        text.textContent = "Sent " + mib(e.loaded) + " of " + mib(e.total);
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // indeterminate while the server checks
      timer = setInterval(function () {
        text.textContent = "Checking every line… " + Math.round((Date.now() - started) / 1000) + " s";
      }, 500);
    });
    xhr.addEventListener("load", function () {
      if (timer) { clearInterval(timer); }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      if (timer) { clearInterval(timer); }
      text.textContent = "The file could not be sent. Check your connection and try again.";
    });
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
}());
