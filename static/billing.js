// The payment card form of the billing page: Stripe.js collects the card in its own frame, a SetupIntent
// (client secret from POST data-setup-url) confirms it, and the form then posts only the payment method id.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  var stripe = Stripe(form.getAttribute("data-publishable-key"));
  var card = stripe.elements().create("card");
  var errors = document.getElementById("card-errors");
  var button = form.querySelector("button[type=submit]");
  card.mount("#card-element");

  function fail(message) {
    errors.textContent = message || form.getAttribute("data-failed");
    button.disabled = false;
  }

  function clientSecret() {
    return fetch(form.getAttribute("data-setup-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": form.elements["csrf_token"].value, "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok || !body.client_secret) {
          throw new Error(body.error || "");
        }
        return body.client_secret;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    if (form.elements["payment_method"].value) {
      return;
    }
    event.preventDefault();
    errors.textContent = "";
    button.disabled = true;
    clientSecret().then(function (secret) {
      return stripe.confirmCardSetup(secret, {payment_method: {card: card}});
    }).then(function (result) {
      if (result.error) {
        fail(result.error.message);
        return;
      }
      form.elements["payment_method"].value = result.setupIntent.payment_method;
      form.submit();
    }).catch(function (error) {
      fail(error && error.message);
    });
  });
})();
