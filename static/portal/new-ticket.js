// The new ticket form, enhanced: changing the help topic swaps in that topic's questions
// without a round trip through "Continue", and a second click cannot send the form twice.
// Without this script the form works the same through plain posts.
(function () {
  "use strict";
  const form = document.getElementById("new-ticket-form");
  if (!form) {
    return;
  }
  const topic = form.querySelector("select[name=topic]");
  const slot = document.getElementById("topic-fields");
  const proceed = document.getElementById("topic-continue");
  if (proceed) {
    proceed.classList.add("d-none");
  }
  if (topic && slot) {
    topic.addEventListener("change", async function () {
      const url = new URL(form.dataset.questionsUrl, window.location.href);
      url.searchParams.set("topic", topic.value);
      try {
        const response = await fetch(url, { headers: { "X-Requested-With": "fetch" } });
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        slot.innerHTML = await response.text();
      } catch (error) {
        // Fall back to the plain way: the server draws the form with the questions.
        if (proceed) {
          proceed.classList.remove("d-none");
        }
      }
    });
  }
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "continue") {
      return;
    }
    const button = document.getElementById("submit-ticket");
    if (form.dataset.sent === "yes") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("disabled");
    }
  });
})();
