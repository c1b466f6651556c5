"""Real-browser tests of the web catalog (Playwright + Chromium)."""
