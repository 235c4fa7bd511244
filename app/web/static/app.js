// Progressive enhancement only: every page reads and works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // A job page that is still running refreshes itself every two seconds.
  if (document.querySelector("[data-job-running]")) {
    window.setTimeout(() => window.location.reload(), 2000);
  }
  // Destructive forms ask first, naming what they act on.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
  // Copy buttons: the text of the element named by data-copy; the result is announced.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const status = document.getElementById("copy-status");
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        status.textContent = button.dataset.copied;
      } catch (error) {
        const range = document.createRange();
        range.selectNodeContents(source);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        status.textContent = button.dataset.copyFailed;
      }
    });
  }
});
