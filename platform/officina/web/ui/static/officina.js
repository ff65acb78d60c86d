// Officina's generated pages: reference pickers, editable child rows,
// conditional fields and small conveniences. No framework, no CDN.
(function () {
  "use strict";

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  // -- forms that submit or ask first -------------------------------------
  document.querySelectorAll("[data-submit-on-change]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  const selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll(".row-select").forEach((box) => {
        box.checked = selectAll.checked;
      });
    });
  }

  // Filters left empty stay out of the address.
  const filters = document.getElementById("list-filters");
  if (filters) {
    filters.addEventListener("submit", () => {
      filters.querySelectorAll("input, select").forEach((input) => {
        if (input.name && input.value === "") input.disabled = true;
      });
    });
  }

  // -- reference pickers ----------------------------------------------------
  function setUpPicker(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    const hidden = picker.querySelector(".reference-value");
    const search = picker.querySelector(".reference-search");
    const results = picker.querySelector(".reference-results");
    let active = -1;

    function close() {
      results.replaceChildren();
      active = -1;
    }
    function choose(item) {
      hidden.value = item.dataset.id;
      search.value = item.dataset.title;
      close();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function highlight(index) {
      const items = results.querySelectorAll(".list-group-item");
      items.forEach((item, i) => item.classList.toggle("active", i === index));
      active = index;
    }
    let asked = 0; // answers to older questions are dropped
    const find = debounce(async () => {
      const text = search.value.trim();
      const url = picker.dataset.lookup + "?q=" + encodeURIComponent(text);
      const question = ++asked;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (question !== asked) return;
      if (!response.ok) return close();
      const body = await response.json();
      if (question !== asked) return;
      results.replaceChildren();
      for (const record of body.results) {
        const item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action";
        item.dataset.id = record.id;
        item.dataset.title = record.title;
        item.textContent = record.title; // text, never HTML
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(item);
        });
        results.appendChild(item);
      }
      active = -1;
    }, 200);

    search.addEventListener("input", () => {
      if (search.readOnly) return;
      if (!search.value.trim()) {
        hidden.value = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      find();
    });
    search.addEventListener("focus", () => {
      if (!search.readOnly) find();
    });
    search.addEventListener("blur", () => setTimeout(close, 150));
    search.addEventListener("keydown", (event) => {
      const items = results.querySelectorAll(".list-group-item");
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
  }
  document.querySelectorAll(".reference-picker").forEach(setUpPicker);

  // -- child rows: add, remove, reorder --------------------------------------
  function renumber(table) {
    const name = table.dataset.table;
    const pattern = new RegExp("^" + name + "-(\\d+|__index__)-");
    table.querySelectorAll("tbody tr.child-row").forEach((row, index) => {
      row.querySelectorAll("[name], [id], label[for]").forEach((el) => {
        for (const attribute of ["name", "id", "for"]) {
          const value = el.getAttribute(attribute);
          if (value && pattern.test(value)) {
            el.setAttribute(attribute, value.replace(pattern, name + "-" + index + "-"));
          }
        }
      });
    });
  }
  document.querySelectorAll(".row-add").forEach((button) => {
    button.addEventListener("click", () => {
      const holder = button.closest("[data-field]");
      const table = holder.querySelector("table.child-table");
      const template = holder.querySelector("template.row-template");
      const row = template.content.firstElementChild.cloneNode(true);
      table.querySelector("tbody").appendChild(row);
      renumber(table);
      row.querySelectorAll(".reference-picker").forEach(setUpPicker);
      const first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
      changed(holder.closest("form"));
    });
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".row-remove, .row-up, .row-down");
    if (!button) return;
    const row = button.closest("tr");
    const table = button.closest("table.child-table");
    if (button.classList.contains("row-remove")) row.remove();
    else if (button.classList.contains("row-up") && row.previousElementSibling)
      row.parentNode.insertBefore(row, row.previousElementSibling);
    else if (button.classList.contains("row-down") && row.nextElementSibling)
      row.parentNode.insertBefore(row.nextElementSibling, row);
    renumber(table);
    changed(table.closest("form"));
  });

  // -- kanban: dropping a card on a lane takes the step that leads there ------
  const board = document.getElementById("kanban");
  if (board) {
    const token = document.querySelector('meta[name="csrf-token"]').content;
    let dragged = null;
    function recount() {
      board.querySelectorAll(".kanban-lane").forEach((lane) => {
        lane.querySelector(".lane-count").textContent =
          lane.querySelectorAll(".kanban-card").length;
      });
    }
    function complain(message) {
      const alert = document.createElement("div");
      alert.className = "alert alert-warning kanban-refusal";
      alert.setAttribute("role", "alert");
      alert.textContent = message; // text, never HTML
      board.parentNode.insertBefore(alert, board);
      setTimeout(() => alert.remove(), 8000);
    }
    board.addEventListener("dragstart", (event) => {
      dragged = event.target.closest(".kanban-card");
      if (dragged) event.dataTransfer.setData("text/plain", dragged.dataset.id);
    });
    board.addEventListener("dragover", (event) => {
      if (event.target.closest(".kanban-lane")) event.preventDefault();
    });
    board.addEventListener("drop", async (event) => {
      const lane = event.target.closest(".kanban-lane");
      if (!lane || !dragged || lane.contains(dragged)) return;
      event.preventDefault();
      const card = dragged;
      const body = new FormData();
      body.append("csrf_token", token);
      body.append("field", board.dataset.field);
      body.append("to", lane.dataset.value);
      body.append("version", card.dataset.version);
      const url = board.dataset.move.replace("__id__", card.dataset.id);
      const response = await fetch(url, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        complain(answer.error || response.statusText);
        return;
      }
      card.dataset.version = answer.version;
      lane.appendChild(card);
      recount();
    });
  }

  // -- conditional fields: the server says what is visible now ----------------
  async function refreshConditions(form) {
    const url = form.dataset.conditions;
    if (!url) return;
    const response = await fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const states = await response.json();
    for (const [name, state] of Object.entries(states)) {
      const holder = form.querySelector('[data-field="' + CSS.escape(name) + '"]');
      if (!holder) continue;
      holder.classList.toggle("d-none", !state.visible);
      const mark = holder.querySelector(".required-mark");
      if (mark) mark.classList.toggle("d-none", !state.required);
      holder.querySelectorAll("input, select, textarea").forEach((input) => {
        if (input.type === "hidden" || input.dataset.alwaysReadonly) return;
        if (input.tagName === "SELECT" || input.type === "checkbox" || input.type === "radio")
          input.disabled = state.readonly;
        else input.readOnly = state.readonly;
      });
    }
  }
  const askConditions = debounce(refreshConditions, 250);
  function changed(form) {
    if (form && form.dataset.conditions) askConditions(form);
  }
  document.querySelectorAll("form.record-form").forEach((form) => {
    form.querySelectorAll("[readonly], [disabled]").forEach((input) => {
      input.dataset.alwaysReadonly = "1";
    });
    form.addEventListener("input", () => changed(form));
    form.addEventListener("change", () => changed(form));
  });
})();

// -- import progress: poll the import's status and move the bar ------------------
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector(".progress");
  function show(state) {
    const total = state.total || 0;
    const share = total ? Math.min(100, Math.round((state.processed / total) * 100)) : 0;
    bar.style.width = (state.finished ? 100 : share) + "%";
    meter.setAttribute("aria-valuemax", String(total));
    meter.setAttribute("aria-valuenow", String(state.processed));
    bar.textContent = state.finished ? "" : share + "%";
  }
  const shown = Number(meter.getAttribute("aria-valuenow")) || 0;
  const all = Number(meter.getAttribute("aria-valuemax")) || 0;
  const finished = box.dataset.status === "done" || box.dataset.status === "failed";
  show({ total: all, processed: shown, finished: finished });
  if (finished) return;
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const state = await response.json();
        if (state.finished || state.status !== box.dataset.status) {
          window.location.reload(); // the page shows the outcome or the new phase
          return;
        }
        show(state);
        document.getElementById("import-counts").textContent =
          state.processed + " / " + (state.total === null ? "?" : state.total);
      }
    } catch (error) {
      // the next poll tries again
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
