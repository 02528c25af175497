// Digital Factory: posts this Shelly's power and energy every {{ period_s }} seconds.
// Shelly Plus / Pro with a relay: Switch.GetStatus. Shelly Plus PM Mini: change method to "PM1.GetStatus".
let CONFIG = {
  url: "{{ base_url }}/api/v1/shelly/{{ token }}",
  method: "Switch.GetStatus",
  id: 0,
  periodMs: {{ period_s * 1000 }}
};

function onPosted(response, errorCode, errorMessage) {
  if (errorCode !== 0) {
    print("Digital Factory: upload failed:", errorMessage);
  } else if (response.code !== 202) {
    print("Digital Factory: server answered", response.code, response.body);
  }
}

function sendStatus() {
  Shelly.call(CONFIG.method, { id: CONFIG.id }, function (status, errorCode, errorMessage) {
    if (errorCode !== 0) {
      print("Digital Factory: cannot read the meter:", errorMessage);
      return;
    }
    Shelly.call("HTTP.POST", {
      url: CONFIG.url,
      body: JSON.stringify(status),
      content_type: "application/json",
      timeout: 10
    }, onPosted);
  });
}

Timer.set(CONFIG.periodMs, true, sendStatus);
sendStatus();
