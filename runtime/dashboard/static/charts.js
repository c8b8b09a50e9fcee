// The overview's chart of lag and throughput over the history window,
// drawn with the vendored uPlot from GET <base>/functions/<f>/history.json.
// The page shows the numbers without it; this only adds the chart. No
// inline script or style: it is loaded from 'self' and styles elements
// through the CSSOM, which the dashboard's CSP allows.
(function () {
	"use strict";

	var root = document.getElementById("history");
	if (!root || typeof window.uPlot !== "function" || !window.fetch) {
		return;
	}
	var base = root.getAttribute("data-base") || "";
	var select = document.getElementById("history-function");
	var box = document.getElementById("history-chart");
	var status = document.getElementById("history-status");
	var controls = root.querySelector(".history-controls");
	var nojs = root.querySelector(".history-nojs");
	if (!select || !box || !select.value) {
		return;
	}
	if (controls) {
		controls.hidden = false;
	}
	if (nojs) {
		nojs.hidden = true;
	}

	var height = 260;
	var chart = null;
	var timer = 0;
	var refreshMs = 10000;

	function width() {
		return Math.max(box.clientWidth, 240);
	}

	function options() {
		return {
			width: width(),
			height: height,
			scales: { x: { time: true }, lag: { range: function (u, min, max) { return [0, Math.max(max, 1)]; } }, rate: { range: function (u, min, max) { return [0, Math.max(max, 1)]; } } },
			series: [
				{},
				{ label: "lag", scale: "lag", stroke: "#b3261e", width: 2, spanGaps: false },
				{ label: "in/s", scale: "rate", stroke: "#1f5fbf", width: 2, spanGaps: false },
				{ label: "out/s", scale: "rate", stroke: "#2e7d32", width: 2, spanGaps: false }
			],
			axes: [
				{},
				{ scale: "lag", label: "lag (events)" },
				{ scale: "rate", side: 1, label: "events/s", grid: { show: false } }
			]
		};
	}

	function show(message) {
		status.textContent = message;
		status.hidden = !message;
	}

	function draw(h) {
		var data = [h.t, h.lag, h.in, h.out];
		if (chart) {
			chart.setData(data);
			return;
		}
		chart = new window.uPlot(options(), data, box);
	}

	function load() {
		clearTimeout(timer);
		var fn = select.value;
		var url = base + "/functions/" + encodeURIComponent(fn) + "/history.json";
		fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
			.then(function (res) {
				if (res.status === 401) {
					show("The session has ended: reload the page to log in.");
					return null;
				}
				if (!res.ok) {
					throw new Error("history of " + fn + ": " + res.status);
				}
				return res.json();
			})
			.then(function (h) {
				if (h === null || fn !== select.value) {
					return;
				}
				if (h.every_s > 0) {
					refreshMs = Math.max(h.every_s * 1000, 1000);
				}
				if (h.t.length < 2) {
					show("No history of " + fn + " yet: a sample is taken every " + h.every_s + " s.");
					if (chart) {
						chart.destroy();
						chart = null;
					}
				} else {
					show("");
					draw(h);
				}
				timer = setTimeout(load, refreshMs);
			})
			.catch(function (err) {
				show(String(err.message || err));
				timer = setTimeout(load, refreshMs);
			});
	}

	select.addEventListener("change", function () {
		if (chart) {
			chart.destroy();
			chart = null;
		}
		load();
	});
	window.addEventListener("resize", function () {
		if (chart) {
			chart.setSize({ width: width(), height: height });
		}
	});
	load();
})();
