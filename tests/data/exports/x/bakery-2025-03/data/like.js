window.YTD.like.part0 = [
  {
    "like" : {
      "tweetId" : "1890000000000000001",
      "fullText" : "Best rye in town, honestly.",
      "expandedUrl" : "https://twitter.com/i/web/status/1890000000000000001"
    }
  },
  {
    "like" : {
      "tweetId" : "1890000000000000002",
      "fullText" : "Our spelt is back in stock!",
      "expandedUrl" : "https://twitter.com/i/web/status/1890000000000000002"
    }
  },
  {
    "like" : {
      "tweetId" : "1890000000000000003",
      "fullText" : "Market on Saturday, 8am till noon.",
      "expandedUrl" : "https://twitter.com/i/web/status/1890000000000000003"
    }
  }
]