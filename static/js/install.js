// Installing the app: Chrome and Android offer it through beforeinstallprompt, shown as our own button
// (and a banner that can be dismissed); iOS Safari has no prompt, so a short guide (Share → Add to Home
// Screen) shows once, and stays reachable from the settings page.
import { isAppleMobile, isInstalledApp } from "./platform.js";

var installPrompt = null;
var INSTALL_DISMISSED_KEY = "secondop-install-dismissed";
var IOS_GUIDE_KEY = "secondop-ios-install-seen";

function remembered(key) {
  try {
    return localStorage.getItem(key) === "1";
  } catch (error) {
    return false;
  }
}

function remember(key) {
  try {
    localStorage.setItem(key, "1");
  } catch (error) {}
}

function showInstallButtons() {
  document.querySelectorAll("[data-install]").forEach(function (button) {
    button.hidden = !installPrompt;
  });
  var banner = document.getElementById("install-banner");
  if (banner) banner.hidden = !installPrompt || remembered(INSTALL_DISMISSED_KEY);
}

window.addEventListener("beforeinstallprompt", function (event) {
  event.preventDefault();
  installPrompt = event;
  showInstallButtons();
});
window.addEventListener("appinstalled", function () {
  installPrompt = null;
  showInstallButtons();
});

function showIosGuide(focus) {
  var guide = document.getElementById("ios-install");
  if (!guide) return;
  guide.hidden = false;
  remember(IOS_GUIDE_KEY);
  if (focus) {
    var heading = guide.querySelector("h2");
    if (heading) heading.focus();
  }
}

export function setUpInstall() {
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-install]") && installPrompt) {
      var prompt = installPrompt;
      prompt.prompt();
      prompt.userChoice
        .then(function () {
          installPrompt = null;
          showInstallButtons();
        })
        .catch(function () {});
    } else if (target.closest("[data-install-dismiss]")) {
      remember(INSTALL_DISMISSED_KEY);
      showInstallButtons();
    } else if (target.closest("[data-install-guide]")) {
      showIosGuide(true);
    } else if (target.closest("[data-ios-install-close]")) {
      document.getElementById("ios-install").hidden = true;
    }
  });
  showInstallButtons();
  var ios = isAppleMobile() && !isInstalledApp();
  document.querySelectorAll("[data-install-guide]").forEach(function (button) {
    button.hidden = !ios;
  });
  document.querySelectorAll("[data-install-installed]").forEach(function (note) {
    note.hidden = !isInstalledApp();
  });
  if (ios && !remembered(IOS_GUIDE_KEY)) showIosGuide(false);
}
