// Filter the long list of process flags as the user types (their Chinese names or the flag).
(function () {
  var filter = document.getElementById("process-filter"), list = document.getElementById("processes");
  if (!filter || !list) { return; }
  filter.addEventListener("input", function () {
    var needle = filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(list.options, function (o) {
      o.hidden = needle !== "" && o.text.toLowerCase().indexOf(needle) < 0 && !o.selected;
    });
  });
})();
