/* identity-book: once MathJax has typeset the page (which changes its height), scroll the
   permalink target back into view so that chapter.html#<id> lands on its identity. */
document.addEventListener("DOMContentLoaded", function () {
  if (!location.hash || !window.MathJax || !window.MathJax.startup) return;
  window.MathJax.startup.promise.then(function () {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView();
  });
});
