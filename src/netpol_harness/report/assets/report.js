// The report's behaviour: explain a cell, filter rows, focus on one workload, move with
// the keyboard. The page reads without it; nothing here fetches anything.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var matrix = document.getElementById("matrix");
  var explanation = document.getElementById("explanation");
  var hover = document.getElementById("hover");
  var filter = document.getElementById("filter");
  var focus = document.getElementById("focus");
  if (!matrix) return;

  function text(k) { return data.texts[k]; }

  function explain(td) {
    var lines = data.cells[td.dataset.cell] || [];
    var previous = matrix.querySelector("td.selected");
    if (previous) previous.classList.remove("selected");
    td.classList.add("selected");
    explanation.innerHTML = "";
    var h = document.createElement("h3");
    h.textContent = lines.length ? text(lines[0]) : "";
    explanation.appendChild(h);
    var ul = document.createElement("ul");
    lines.slice(1).forEach(function (k) {
      var li = document.createElement("li");
      li.textContent = text(k);
      ul.appendChild(li);
    });
    explanation.appendChild(ul);
    // Where the verdict depends on the dataplane: each compared profile's verdict, with its reason.
    var profiles = (data.profiles || {})[td.dataset.cell];
    if (!profiles) return;
    var h4 = document.createElement("h4");
    h4.textContent = "Each dataplane's verdict, where they differ";
    explanation.appendChild(h4);
    var byProfile = document.createElement("ul");
    byProfile.className = "dataplanes";
    profiles.forEach(function (k) {
      var li = document.createElement("li");
      li.textContent = text(k);
      byProfile.appendChild(li);
    });
    explanation.appendChild(byProfile);
  }

  function show(td) { hover.textContent = td.title; }

  matrix.addEventListener("click", function (ev) {
    var td = ev.target.closest("td.c");
    if (td) { moveTo(td); explain(td); }
  });
  matrix.addEventListener("mouseover", function (ev) {
    var td = ev.target.closest("td.c");
    if (td) show(td);
  });
  matrix.addEventListener("focusin", function (ev) {
    var td = ev.target.closest("td.c");
    if (td) show(td);
  });

  function visibleRows() {
    return Array.prototype.filter.call(matrix.querySelectorAll("tbody tr[data-name]"), function (tr) { return !tr.hidden; });
  }

  function moveTo(td) {
    var current = matrix.querySelector('td.c[tabindex="0"]');
    if (current && current !== td) current.setAttribute("tabindex", "-1");
    td.setAttribute("tabindex", "0");
    td.focus();
  }

  function step(td, dx, dy) {
    var tr = td.parentElement;
    var column = td.cellIndex;
    if (dx) {
      for (var c = column + dx; c > 0 && c < tr.cells.length; c += dx) {
        if (tr.cells[c].classList.contains("c")) return tr.cells[c];
      }
      return null;
    }
    var rows = visibleRows();
    for (var r = rows.indexOf(tr) + dy; r >= 0 && r < rows.length; r += dy) {
      var cell = rows[r].cells[column];
      if (cell && cell.classList.contains("c")) return cell;
    }
    return null;
  }

  matrix.addEventListener("keydown", function (ev) {
    var td = ev.target.closest("td.c");
    if (!td) return;
    var moves = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
    if (moves[ev.key]) {
      var next = step(td, moves[ev.key][0], moves[ev.key][1]);
      if (next) moveTo(next);
      ev.preventDefault();
    } else if (ev.key === "Enter" || ev.key === " ") {
      explain(td);
      ev.preventDefault();
    }
  });

  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(matrix.tBodies, function (tbody) {
      var shown = 0;
      Array.prototype.forEach.call(tbody.querySelectorAll("tr[data-name]"), function (tr) {
        tr.hidden = q !== "" && tr.dataset.name.toLowerCase().indexOf(q) < 0;
        if (!tr.hidden) shown += 1;
      });
      tbody.querySelector("tr.nsrow").hidden = shown === 0;
    });
    // Keep one cell in the tab order: the filter may have hidden the row that had it.
    var current = matrix.querySelector('td.c[tabindex="0"]');
    if (current && current.parentElement.hidden) {
      var visible = visibleRows().map(function (tr) { return tr.querySelector("td.c"); }).filter(Boolean)[0];
      current.setAttribute("tabindex", "-1");
      if (visible) visible.setAttribute("tabindex", "0");
    }
  });

  function focusOn(value) {
    focus.value = value;
    var chosen = null;
    document.querySelectorAll("section.focus").forEach(function (section) {
      var mine = value === "" || section.id === "focus-" + value;
      section.hidden = !mine;
      if (value !== "" && mine) chosen = section;
    });
    matrix.querySelectorAll(".hl-row, .hl-col, td.hl").forEach(function (el) { el.classList.remove("hl-row", "hl-col", "hl"); });
    if (!chosen) return;
    var name = chosen.dataset.workload;
    var column = -1;
    matrix.querySelectorAll("th.col").forEach(function (th, k) { if (th.title === name) { th.classList.add("hl-col"); column = k + 1; } });
    matrix.querySelectorAll("tbody tr[data-name]").forEach(function (tr) {
      if (tr.dataset.name === name) {
        tr.classList.add("hl-row");
        Array.prototype.forEach.call(tr.cells, function (td) { td.classList.add("hl"); });
      } else if (column > 0 && tr.cells[column]) {
        tr.cells[column].classList.add("hl");
      }
    });
  }

  focus.addEventListener("change", function () { focusOn(focus.value); });
  matrix.addEventListener("click", function (ev) {
    var link = ev.target.closest("a[data-focus]");
    if (!link) return;
    ev.preventDefault();
    focusOn(link.dataset.focus);
    document.getElementById("focus-" + link.dataset.focus).scrollIntoView();
  });
})();
