// Progressive enhancement only: every page reads without JavaScript.
// A job page that is still running refreshes itself every two seconds.
document.addEventListener("DOMContentLoaded", () => {
  const job = document.querySelector("[data-job-running]");
  if (job) {
    window.setTimeout(() => window.location.reload(), 2000);
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
});
