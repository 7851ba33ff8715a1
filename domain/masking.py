"""Masks for personal data shown where the full value is not needed."""


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; 010-12345678 → 010-****5678."""
    if len(phone) <= 4:
        return "*" * len(phone)
    if phone.startswith("1") and len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    head, sep, tail = phone.partition("-")
    if sep:
        return head + "-" + "*" * max(len(tail) - 4, 0) + tail[-4:]
    return "*" * (len(phone) - 4) + phone[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*; John Smith → J*** S****."""
    name = name.strip()
    if not name:
        return ""
    if " " in name:
        return " ".join(mask_name(part) for part in name.split())
    return name[0] + "*" * (len(name) - 1)


def mask_email(email: str) -> str:
    """zhang.san@example.com → z*******@example.com."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] + "*" * max(len(local) - 1, 1)) + "@" + domain
