"""Customer accounts and customers: the vendor's to edit, a manager's to read (their orders' customers)."""
