"""How the report's content is written in our fixtures."""


def bullets(text):
    """Split "- " bullet lines into items; a line without a dash continues the item above.

    Text with no bullet at all comes back as a single item, so templates can always use a
    list: "- A\\n  continued\\n- B" -> ["A continued", "B"].
    """
    items = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("- ", "* ")) or line in ("-", "*"):
            items.append(line[2:].strip())
        elif items:
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(line)
    return items
