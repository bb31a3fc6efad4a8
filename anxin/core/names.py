"""Pinyin forms of Chinese names so that "zhangsan", "zs" or "张三" all find 张三."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_full(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower().replace(" ", "")


def pinyin_initials(name: str) -> str:
    return (
        "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"))
        .lower()
        .replace(" ", "")
    )
