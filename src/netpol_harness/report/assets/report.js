// The report's behaviour: explain a cell in the panel beside the matrix, fold the endpoints
// the report added into one row and column, filter rows, focus on one workload, move with
// the keyboard. The page reads without it; nothing here fetches anything.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var matrix = document.getElementById("matrix");
  var explanation = document.getElementById("explanation");
  var hover = document.getElementById("hover");
  var filter = document.getElementById("filter");
  var focus = document.getElementById("focus");
  var showAdded = document.getElementById("show-added");
  if (!matrix) return;
  var CELL = "td.c, td.sum";  // a pair's cell, or a folded row's or column's

  function text(k) { return data.texts[k]; }
  function visible(el) { return el.getClientRects().length > 0; }

  // The panel is beside the matrix and sticks to the top of the window; where it cannot be
  // seen (a narrow window makes it a sheet at the bottom), bring it into view.
  function reveal() {
    explanation.classList.add("open");
    var box = explanation.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 40) explanation.scrollIntoView({ block: "nearest" });
  }

  function closeButton() {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "close the explanation");
    close.addEventListener("click", function () {
      explanation.classList.remove("open");
      var selected = matrix.querySelector("td.selected");
      if (selected) selected.focus();
    });
    return close;
  }

  function explain(td) {
    var lines = (td.dataset.cell ? data.cells[td.dataset.cell] : (data.sums || {})[td.dataset.sum]) || [];
    var previous = matrix.querySelector("td.selected");
    if (previous) previous.classList.remove("selected");
    td.classList.add("selected");
    explanation.innerHTML = "";
    explanation.appendChild(closeButton());
    reveal();
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
    var td = ev.target.closest(CELL);
    if (td) { moveTo(td); explain(td); }
  });
  matrix.addEventListener("mouseover", function (ev) {
    var td = ev.target.closest(CELL);
    if (td) show(td);
  });
  matrix.addEventListener("focusin", function (ev) {
    var td = ev.target.closest(CELL);
    if (td) show(td);
  });

  function visibleRows() {
    return Array.prototype.filter.call(matrix.querySelectorAll("tbody tr[data-name], tbody tr.fold"), visible);
  }

  // Keep one visible cell in the tab order: folding or the filter may hide the one that had it.
  function keepTabStop() {
    var current = matrix.querySelector('td[tabindex="0"]');
    if (current && visible(current)) return;
    var cells = Array.prototype.filter.call(matrix.querySelectorAll(CELL), visible);
    if (current) current.setAttribute("tabindex", "-1");
    if (cells.length) cells[0].setAttribute("tabindex", "0");
  }

  function moveTo(td) {
    var current = matrix.querySelector('td[tabindex="0"]');
    if (current && current !== td) current.setAttribute("tabindex", "-1");
    td.setAttribute("tabindex", "0");
    td.focus();
  }

  function step(td, dx, dy) {
    var tr = td.parentElement;
    var column = td.cellIndex;
    if (dx) {
      for (var c = column + dx; c > 0 && c < tr.cells.length; c += dx) {
        if (tr.cells[c].matches(CELL) && visible(tr.cells[c])) return tr.cells[c];
      }
      return null;
    }
    var rows = visibleRows();
    for (var r = rows.indexOf(tr) + dy; r >= 0 && r < rows.length; r += dy) {
      var cell = rows[r].cells[column];
      if (cell && cell.matches(CELL) && visible(cell)) return cell;
    }
    return null;
  }

  matrix.addEventListener("keydown", function (ev) {
    var td = ev.target.closest(CELL);
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
    // While filtering, the rows of added endpoints that match are shown even when folded.
    matrix.classList.toggle("filtering", q !== "");
    Array.prototype.forEach.call(matrix.tBodies, function (tbody) {
      var rows = tbody.querySelectorAll("tr[data-name]");
      if (!rows.length) return;
      var shown = 0;
      Array.prototype.forEach.call(rows, function (tr) {
        tr.hidden = q !== "" && tr.dataset.name.toLowerCase().indexOf(q) < 0;
        if (!tr.hidden) shown += 1;
      });
      tbody.querySelector("tr.nsrow").hidden = shown === 0;
    });
    keepTabStop();
  });

  // The endpoints the report added: folded into one row and one column, or each shown.
  function fold(folded) {
    matrix.classList.toggle("folded", folded);
    if (showAdded) showAdded.checked = !folded;
    matrix.querySelectorAll("[data-span]").forEach(function (th) {
      th.colSpan = Math.max(1, Number(folded ? th.dataset.main : th.dataset.span));
    });
    keepTabStop();
  }

  if (showAdded && Number(matrix.dataset.added) > 0) {
    showAdded.parentElement.hidden = false;
    showAdded.addEventListener("change", function () { fold(!showAdded.checked); });
    matrix.addEventListener("click", function (ev) {
      if (ev.target.closest("button.unfold")) fold(false);
    });
    fold(true);
  }
  // The second header row sticks just below the first, however tall that came out.
  var second = matrix.tHead.rows[1];
  if (second) {
    var top = matrix.tHead.rows[0].cells[1] ? matrix.tHead.rows[0].cells[1].offsetHeight : 20;
    Array.prototype.forEach.call(second.cells, function (th) { th.style.top = top + "px"; });
  }

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
    matrix.querySelectorAll("th.col").forEach(function (th, k) { if (th.dataset.id === name) { th.classList.add("hl-col"); column = k + 1; } });
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
