import PortraitService
print("portraitd: not yet")
