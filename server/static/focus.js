// skillpath's one script (issue 18): when the page opens at a fragment
// whose target can take the focus (tabindex), give it the focus, so that a
// screen reader reads it and the keyboard continues from there — the
// "You passed" box after the answer that passed a training. Without
// script, the browser still scrolls to it.
(function () {
  var id = location.hash.slice(1);
  if (!id) return;
  var target = document.getElementById(decodeURIComponent(id));
  if (target && target.hasAttribute('tabindex')) target.focus();
})();
