"""Key layout of a user's conversation search index (decision 0112). Its items live in the
user's own partition of the conversations table, next to the conversations they index, so IAM's
`LeadingKeys` condition and the partition key built from the verified token keep one user's
index away from every other user and tenant:

pk = "<tenant>#USER#<user>"                    (conversations.keys.partition)
sk = "CSEARCH#HEAD"                            the head: what the index holds
       version  N   bumped by every publish; a publish is conditional on the version it read
       mark     S   the highest conversation `updatedAt` indexed ("" before the first build)
       segments L   the segment ids in order ("<id>.<parts>"), later ones override earlier
       renamed  SS  "<conversation>@<time>": renamed since the last publish (re-read titles)
       dead     SS  conversation ids deleted since the last merge (their text is dropped)
sk = "CSEARCH#SEG#<segment>#<part>"           immutable segment parts: `data` B (zlib msgpack)
"""

from __future__ import annotations

from typing import Final

from engageiq_tenancy.keys import sort_key

TAG: Final = "CSEARCH"
HEAD_SK: Final = f"{TAG}#HEAD"


def segment_part_sk(segment_id: str, part: int) -> str:
    return sort_key(TAG, "SEG", segment_id, str(part))
