import RefugeCommands

RefugeCommand.start()
