"""Answers that are not the page: bot challenges, captchas, consent walls, soft 404s, and text
that collapsed to a fraction of its usual length.

A 200 with one of these is not a change of the evidence and must not become its snapshot: the
check fails with its own outcome and the real page is compared again at the next check. Every
rule needs a short text as well as its marker, so an article that mentions cookies or captchas
is still an article.
"""

import re

# Interstitials are short; real articles that trip a marker are longer than this.
SHORT_TEXT = 1000
# Text under this share of its usual length (from the last snapshot) has collapsed.
COLLAPSED_SHARE = 0.2
COLLAPSE_MIN_USUAL = 400

CHALLENGE_MARKUP = (
    "cf-browser-verification",
    "challenge-platform",
    "cf_chl_",
    "/cdn-cgi/challenge",
    "g-recaptcha",
    "h-captcha",
    "hcaptcha.com",
    "captcha-delivery.com",
    "px-captcha",
    "_incapsula_resource",
    "turnstile",
)
CHALLENGE_TEXT = re.compile(
    r"just a moment|checking (?:if the site connection is secure|your browser)|verify(?:ing)? (?:that )?you are "
    r"(?:a )?human|are you a robot|not a robot|enable javascript and cookies to continue|unusual traffic|"
    r"access denied|request (?:was )?blocked|captcha",
    re.IGNORECASE,
)
CONSENT_TEXT = re.compile(
    r"\bcookies?\b.{0,300}\b(?:consent|accept|agree|reject)|\b(?:consent|accept|agree)\b.{0,300}\bcookies?\b|"
    r"we value your privacy|your privacy choices|manage (?:your )?(?:consent|preferences)",
    re.IGNORECASE | re.DOTALL,
)
CONSENT_URL = re.compile(r"(?:^|[/.?&=_-])(?:consent|gdpr|cookie-?wall|privacy-?gate)", re.IGNORECASE)
NOT_FOUND_TEXT = re.compile(
    r"page (?:was )?not found|\b404\b.{0,40}(?:not found|error|page)|(?:error|page)\W{0,3}404\b|(?:page|article|content) (?:you .{0,40})?(?:does not|doesn't|no longer) exists?|"
    r"no longer available|could not be found|cannot be found|has been (?:removed|deleted)",
    re.IGNORECASE,
)


def interstitial_reason(*, markup: str, text: str, title: str, final_url: str, usual_length: int) -> str:
    """Why this answer is not the page (empty when it is). `markup` is the decoded body's head
    (challenge scripts), `usual_length` the length of the last snapshot's text (0 if none)."""
    short = len(text) < SHORT_TEXT
    visible = f"{title}\n{text}"
    if short:
        lowered = markup[:200_000].lower()
        if any(marker in lowered for marker in CHALLENGE_MARKUP) or CHALLENGE_TEXT.search(visible):
            return "a bot challenge or captcha page instead of the page"
        if CONSENT_URL.search(final_url.split("//", 1)[-1]) or CONSENT_TEXT.search(visible):
            return "a cookie or consent wall instead of the page"
        if NOT_FOUND_TEXT.search(visible):
            return "a 'page not found' page answered with a success status (soft 404)"
    if usual_length >= COLLAPSE_MIN_USUAL and len(text) < usual_length * COLLAPSED_SHARE:
        share = 100 * len(text) // usual_length
        return f"the text collapsed to {share}% of its usual length ({len(text):,} of {usual_length:,} characters)"
    return ""
