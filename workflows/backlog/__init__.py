"""积案 and 包案: a petition that became a backlog case, owned by named leaders until it is resolved."""
