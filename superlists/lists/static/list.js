"use strict";

// Server-side validation errors become stale as soon as the user edits the
// text, so hide them on the first keystroke instead of waiting for a resubmit.
window.Superlists = {
  initialize(inputSelector, errorSelector) {
    document.querySelector(inputSelector).addEventListener("input", () => {
      for (const error of document.querySelectorAll(errorSelector)) {
        error.style.display = "none";
      }
    });
  },
};
