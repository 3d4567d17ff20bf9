// An import's page follows its worker: the stage, rows checked and written, rate and time left,
// polled from the run's status; the page reloads when the worker is done, to show the result.
// A form sent from an import page (upload, mapping, confirm) says it is on its way.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("#content-main form[method=post], #content form[method=post]")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("input[type=submit]");
      if (!button || button.disabled) return;
      button.disabled = true;
      const note = document.createElement("p");
      note.className = "import-processing";
      note.setAttribute("role", "status");
      note.textContent = document.querySelector("meta[name=jumys-processing]").content;
      form.appendChild(note);
    });
  }

  const run = document.querySelector(".import-run[data-active]");
  if (!run) return;
  const bar = run.querySelector("progress");
  const poll = async () => {
    try {
      const response = await fetch(run.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"});
      if (response.ok) {
        const status = await response.json();
        if (!status.active) {
          window.location.reload();
          return;
        }
        for (const field of run.querySelectorAll("[data-field]")) {
          field.textContent = status[field.dataset.field] || "";
        }
        if (bar) bar.value = status.percent;
      }
    } catch (error) {
      // A missed poll (a server restarting) is retried.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
});
