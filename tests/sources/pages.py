"""A realistic news page whose boilerplate and text tests can vary independently."""

ARTICLE = [
    "Delegations from Russia and Ukraine met in Istanbul on 29 March 2022 for the first face-to-face "
    "talks in weeks. The Ukrainian side presented a ten-point proposal on security guarantees.",
    "Russia's deputy defence minister said Moscow would drastically reduce military activity around "
    "Kyiv and Chernihiv, a pledge Western officials greeted with scepticism.",
    "The talks ended without a ceasefire, but both sides agreed to continue negotiations at the level "
    "of foreign ministers, according to the Turkish foreign ministry.",
]


def news_page(
    paragraphs: list[str] = ARTICLE,
    *,
    session: str = "sid=8f14e45f",
    ad: str = "Summer sale: 40% off shoes",
    generated: str = "2026-11-25 12:01:33",
    comments: int = 42,
    most_read: tuple[str, ...] = ("Markets fall", "Storm warning"),
) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    popular = "".join(f'<li><a href="/story/{i}?{session}">{t}</a></li>' for i, t in enumerate(most_read))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Istanbul talks end without ceasefire | Example News</title>
<meta property="og:site_name" content="Example News"></head><body>
<header><nav><a href="/?{session}">Home</a> <a href="/world?{session}">World</a>
<a href="/login?{session}">Sign in</a></nav></header>
<div class="advert" id="ad-top">{ad}</div>
<main><article><h1>Istanbul talks end without ceasefire</h1>
<p class="byline">By Staff Reporter</p>
{body}
</article>
<section class="comments"><h2>Comments ({comments})</h2></section></main>
<aside class="sidebar"><h3>Most read</h3><ul>{popular}</ul><div class="advert">{ad}</div></aside>
<footer><p>© Example News. Page generated {generated}. <a href="/privacy?{session}">Privacy</a></p></footer>
</body></html>"""
