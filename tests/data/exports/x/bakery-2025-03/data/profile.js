window.YTD.profile.part0 = [
  {
    "profile" : {
      "description" : {
        "bio" : "Sourdough, pastries and coffee by the harbour since 2021.",
        "website" : "https://t.co/W3bs1teXy",
        "location" : "Harbour Street"
      },
      "avatarMediaUrl" : "https://pbs.twimg.com/profile_images/1/avatar.jpg"
    }
  }
]