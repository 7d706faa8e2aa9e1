print("migrating...")
