// Live updates of the dashboard's pages over Server-Sent Events: our own
// small script, no framework. Every page works without it; with it, a
// table with a data-live attribute is kept up to date from that URL:
//   table.events        new events are prepended (rows from the server)
//   table.deadletters   new dead letters are prepended, #dead-total and
//                       rows that left (replayed or purged) are marked
//   table.functions     every function's counts are updated
// The table's data-live-state says "open" while the stream is open and
// "closed" when it ended for good (no session, too many streams).
(function () {
  "use strict";

  function rowWithId(tbody, id) {
    return tbody.querySelector('tr[data-id="' + CSS.escape(id) + '"]');
  }

  function prepend(table, html, id) {
    var tbody = table.tBodies[0];
    if (!tbody || rowWithId(tbody, id)) {
      return false;
    }
    tbody.insertAdjacentHTML("afterbegin", html);
    var row = tbody.rows[0];
    if (row) {
      row.classList.add("new");
    }
    var max = parseInt(table.dataset.maxRows || "0", 10);
    while (max > 0 && tbody.rows.length > max) {
      tbody.deleteRow(tbody.rows.length - 1);
    }
    document.querySelectorAll(".empty").forEach(function (p) { p.hidden = true; });
    return true;
  }

  function connect(table, listen) {
    var es = new EventSource(table.dataset.live);
    table.dataset.liveState = "connecting";
    es.addEventListener("open", function () { table.dataset.liveState = "open"; });
    es.addEventListener("ready", function () { table.dataset.liveState = "open"; });
    es.addEventListener("error", function () {
      table.dataset.liveState = es.readyState === EventSource.CLOSED ? "closed" : "connecting";
    });
    listen(es);
  }

  function json(ev) {
    try {
      return JSON.parse(ev.data);
    } catch (e) {
      return null;
    }
  }

  function setTotal(n) {
    var total = document.getElementById("dead-total");
    if (total && typeof n === "number") {
      total.textContent = String(n);
    }
  }

  document.querySelectorAll("table.events[data-live]").forEach(function (table) {
    connect(table, function (es) {
      es.addEventListener("message", function (ev) {
        var d = json(ev);
        if (d && d.html) {
          prepend(table, d.html, d.stream + "/" + d.entry_id);
        }
      });
    });
  });

  document.querySelectorAll("table.deadletters[data-live]").forEach(function (table) {
    connect(table, function (es) {
      es.addEventListener("message", function (ev) {
        var d = json(ev);
        if (d && d.html) {
          prepend(table, d.html, d.id);
          setTotal(d.total);
        }
      });
      es.addEventListener("total", function (ev) {
        var d = json(ev);
        if (!d) {
          return;
        }
        setTotal(d.total);
        (d.gone || []).forEach(function (id) {
          var row = rowWithId(table.tBodies[0], id);
          if (row) {
            row.classList.add("gone");
            row.title = "no longer a dead letter (replayed or purged)";
            row.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; c.disabled = true; });
          }
        });
      });
    });
  });

  document.querySelectorAll("table.functions[data-live]").forEach(function (table) {
    connect(table, function (es) {
      es.addEventListener("status", function (ev) {
        var list = json(ev) || [];
        list.forEach(function (fn) {
          var row = table.querySelector('tr[data-function="' + CSS.escape(fn.name) + '"]');
          if (!row) {
            return;
          }
          var values = { lag: fn.lag === null ? "?" : fn.lag, pending: fn.pending, retrying: fn.retrying, dead: fn.dead };
          Object.keys(values).forEach(function (field) {
            var cell = row.querySelector('[data-field="' + field + '"]');
            if (!cell) {
              return;
            }
            var target = cell.querySelector("a") || cell;
            if (target.textContent !== String(values[field])) {
              target.textContent = String(values[field]);
              cell.classList.add("changed");
            }
          });
        });
      });
    });
  });
})();
