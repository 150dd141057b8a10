// Marks the page as scripted before it paints (CSS hides no-JS fallbacks with .js), as a file of
// its own so that the Content-Security-Policy needs no inline script.
document.documentElement.classList.replace("no-js", "js");
