/* identity-book: two things the handbook's pages need after they load.
   1. An old permalink chapters/<chapter>.html#<id> of a chapter whose sections now have pages
      of their own: the chapter page lists every identity with its old anchor (li#<id>), so
      follow that item's link to the identity's new place.
   2. Once MathJax has typeset the page (which changes its height), scroll the permalink target
      back into view so that page.html#<id> lands on its identity. */
(function () {
  function movedTarget() {
    if (!location.hash) return null;
    var item = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!item || !item.closest || !item.closest(".ib-moved")) return null;
    var link = item.querySelector("a[href]");
    return link ? link.href : null;
  }
  function land() {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView({behavior: "instant"});  // the theme scrolls smoothly
  }
  document.addEventListener("DOMContentLoaded", function () {
    var moved = movedTarget();
    if (moved) location.replace(moved);
  });
  // MathJax is loaded asynchronously: by "load" it is there, and its promise says when it is done
  window.addEventListener("load", function () {
    if (!location.hash || movedTarget()) return;
    if (window.MathJax && window.MathJax.startup) window.MathJax.startup.promise.then(land);
    else land();
  });
})();
