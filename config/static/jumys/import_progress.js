// While a file is read and checked (or imported), say so plainly instead of leaving the page silent.
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
});
